import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { AppConfig } from '@/config';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { Clock } from '@/infra/time/clock';
import { CxoneAccountRef, CxoneClient } from '@/integrations/cxone/cxone.client';
import {
  CxoneAuthError,
  CxoneRateLimitedError,
  CxoneRejectedError,
  CxoneUnavailableError,
} from '@/integrations/cxone/cxone.errors';
import type { DfoContactStatus } from '@/integrations/cxone/dfo.types';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelInfo, ChannelsService } from '@/modules/channels/channels.service';
import { ConversationEvents } from '@/modules/conversations/conversation-events';
import { toThreadView } from '@/modules/conversations/conversation-views';
import { AutoCloseClaim, ThreadsService } from '@/modules/threads/threads.service';
import { AUTO_CLOSE_UPDATES_PER_SECOND, ContactUpdateBudget } from './contact-update-budget';

/** Threads claimed at a time: about two seconds of the update budget, so a claim's lease never runs out unused. */
const BATCH = AUTO_CLOSE_UPDATES_PER_SECOND * 2;
/** A claimed thread is due again after this if its process dies before finishing it. */
const LEASE_MS = 60_000;
/** How long one thread waits for an update slot before its account is left for the next run. */
const SLOT_WAIT_MS = 2_000;
/** Back-offs before a thread is tried again: the update share spent, 429 without Retry-After, 5xx, credentials. */
const BUDGET_SPENT_BACKOFF_MS = 5_000;
const RATE_LIMITED_BACKOFF_MS = 30_000;
const UNAVAILABLE_BACKOFF_MS = 60_000;
const AUTH_BACKOFF_MS = 5 * 60_000;
/** A run stops claiming after this share of the scheduler's period, so runs do not pile up. */
const RUN_SHARE_OF_INTERVAL = 0.8;
/** CXone statuses after which a contact takes no more communication. */
const ENDED: ReadonlySet<DfoContactStatus> = new Set(['resolved', 'closed', 'trashed']);

export interface AutoCloseReport {
  /** Threads CLOSED (UNANSWERED) with their CXone contact resolved, gone or already ended. */
  closed: number;
  /** Threads a reply reached while they were being closed: left to the agent. */
  answered: number;
  /** Threads CXone could not take now (429, 5xx, credentials, update share spent): due again after a back-off. */
  deferred: number;
  /** Threads CXone refused for good while their contact stays open: never auto-closed. */
  refused: number;
}

type Outcome = keyof AutoCloseReport;

/**
 * Auto-close of unanswered proactive alerts: a thread still AWAITING_REPLY when its campaign's window
 * (autoCloseAfterSeconds after the alert was sent) ends has its CXone contact resolved (PUT /contacts/{n}/status), so it
 * never reaches an agent as a zero-handle-time ghost, and is CLOSED with reason UNANSWERED. Answered threads are the
 * agent's and are never touched. Runs from a job scheduler (any replica; a thread is claimed in PostgreSQL, so it is
 * closed once however many run), paced per CXone account within ContactUpdateBudget's share, and resumable: a claim
 * whose process died is due again when its lease ends, and CXone's temporary refusals leave the thread due again after
 * a back-off. Threads whose CXone contact number is not known (CXone's answer to the send lacked it) are left alone:
 * there is no contact to resolve by number, and only a customer message would reveal it (which answers the thread).
 *
 * A reply racing the close: while the claim is unfinished the reply wins (it clears the claim; the last check before
 * CXone is called sees that and leaves the contact open for the agent). A reply Threadline hears of only after CXone
 * was asked to resolve the contact either finds the thread not yet CLOSED (it stays OPEN: answered, not auto-closed;
 * `threadline_thread_auto_close_answered_total{when="after"}`) or CLOSED (it stays CLOSED/UNANSWERED; the reply is
 * still stored on it and counted as a reply). In CXone, a message after the resolve starts a new contact, which
 * reaches an agent; only a message CXone took in the instant before the change, and pushed after it, lands on the
 * resolved contact.
 */
@Injectable()
export class AutoCloser {
  private readonly logger = new Logger(AutoCloser.name);
  private readonly closedTotal: Counter<'how'>;
  private readonly failuresTotal: Counter<'reason'>;
  private readonly answeredTotal: Counter<'when'>;
  private running: Promise<AutoCloseReport> | null = null;

  constructor(
    private readonly threads: ThreadsService,
    private readonly channels: ChannelsService,
    private readonly accounts: AccountsService,
    private readonly cxone: CxoneClient,
    private readonly budget: ContactUpdateBudget,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly lifecycle: LifecycleService,
    private readonly events: ConversationEvents,
    metrics: MetricsService,
  ) {
    this.closedTotal = metrics.counter({
      name: 'threadline_threads_auto_closed_total',
      help: 'Unanswered proactive threads auto-closed, by how (resolved in CXone, contact_gone, already_ended)',
      labelNames: ['how'],
    });
    this.failuresTotal = metrics.counter({
      name: 'threadline_thread_auto_close_failures_total',
      help: 'Auto-close attempts CXone did not take, by reason (rate_limited, unavailable, auth, budget, rejected)',
      labelNames: ['reason'],
    });
    this.answeredTotal = metrics.counter({
      name: 'threadline_thread_auto_close_answered_total',
      help: 'Threads answered while being auto-closed (before: the contact was left open; after: it was resolved)',
      labelNames: ['when'],
    });
  }

  /** One run (the job scheduler's job; tests call it too). Runs of one process never overlap. */
  run(): Promise<AutoCloseReport> {
    this.running ??= this.runOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async runOnce(): Promise<AutoCloseReport> {
    const report: AutoCloseReport = { closed: 0, answered: 0, deferred: 0, refused: 0 };
    const startedAt = this.clock.now();
    const stopAt = startedAt + Math.max(1000, this.config.autoClose.intervalMs * RUN_SHARE_OF_INTERVAL);
    /** Accounts CXone (or the update share) holds back in this run, and until when. */
    const heldUntil = new Map<string, number>();
    for (;;) {
      const now = this.clock.now();
      if (now >= stopAt || this.lifecycle.isDraining) break;
      const claims = await this.threads.claimAutoClose(new Date(now), new Date(now + LEASE_MS), BATCH);
      if (claims.length === 0) break;
      let progressed = false;
      for (const claim of claims) {
        if (this.clock.now() >= stopAt || this.lifecycle.isDraining) {
          // the next run takes it at once
          await this.threads.deferAutoClose(claim.id, new Date(this.clock.now()));
          continue;
        }
        const outcome = await this.closeOne(claim, heldUntil);
        report[outcome]++;
        progressed ||= outcome !== 'deferred';
      }
      // CXone (or Redis) takes nothing now: leave the rest to the next run instead of deferring every due thread
      if (!progressed) break;
    }
    if (report.closed + report.answered + report.deferred + report.refused > 0) {
      this.logger.log({ ...report, ms: this.clock.now() - startedAt }, 'auto-close run');
    }
    return report;
  }

  private async closeOne(claim: AutoCloseClaim, heldUntil: Map<string, number>): Promise<Outcome> {
    const log = { threadId: claim.id, campaignId: claim.campaignId, cxoneContactId: claim.cxoneContactId };
    let account: CxoneAccountRef;
    let channel: ChannelInfo;
    try {
      channel = await this.channels.cachedInfo(claim.channelId);
      account = await this.accounts.resolve(channel.accountId);
    } catch (err) {
      this.logger.warn(log, `auto-close: channel or account not readable (${String(err)}); retried later`);
      return this.defer(claim, UNAVAILABLE_BACKOFF_MS);
    }
    const held = heldUntil.get(account.id);
    if (held !== undefined && held > this.clock.now()) return this.defer(claim, held - this.clock.now());
    if (!(await this.budget.take(account.id, SLOT_WAIT_MS))) {
      this.failuresTotal.inc({ reason: 'budget' });
      heldUntil.set(account.id, this.clock.now() + BUDGET_SPENT_BACKOFF_MS);
      return this.defer(claim, BUDGET_SPENT_BACKOFF_MS);
    }
    // the last check before CXone: a reply that came since the claim keeps the contact open
    if (!(await this.threads.holdAutoClose(claim, new Date(this.clock.now() + LEASE_MS)))) {
      this.answeredTotal.inc({ when: 'before' });
      this.logger.log(log, 'auto-close called off: the thread was answered (or is no longer this run’s)');
      return 'answered';
    }
    try {
      await this.cxone.setContactStatus(account, claim.cxoneContactId, this.config.autoClose.contactStatus);
    } catch (err) {
      return this.failed(claim, channel, account, err, heldUntil, log);
    }
    // should this fail (the database), the claim's lease brings the thread back and CXone is asked again (harmless)
    return this.finish(claim, channel, 'resolved', log);
  }

  private async failed(
    claim: AutoCloseClaim,
    channel: ChannelInfo,
    account: CxoneAccountRef,
    err: unknown,
    heldUntil: Map<string, number>,
    log: Record<string, unknown>,
  ): Promise<Outcome> {
    if (err instanceof CxoneRejectedError) {
      if (err.httpStatus === 404) return this.finish(claim, channel, 'contact_gone', log);
      return this.refused(claim, channel, account, err, log);
    }
    if (err instanceof CxoneRateLimitedError) {
      const ms = err.retryAfterMs ?? RATE_LIMITED_BACKOFF_MS;
      this.failuresTotal.inc({ reason: 'rate_limited' });
      heldUntil.set(account.id, this.clock.now() + ms);
      await this.budget.pause(account.id, ms);
      this.logger.warn({ ...log, retryAfterMs: ms }, 'auto-close: CXone rate-limited the status change; retried later');
      return this.defer(claim, ms);
    }
    if (err instanceof CxoneAuthError) {
      this.failuresTotal.inc({ reason: 'auth' });
      heldUntil.set(account.id, this.clock.now() + AUTH_BACKOFF_MS);
      this.logger.error(log, `auto-close: ${err.message}; retried later`);
      return this.defer(claim, AUTH_BACKOFF_MS);
    }
    if (err instanceof CxoneUnavailableError) {
      this.failuresTotal.inc({ reason: 'unavailable' });
      this.logger.warn(log, `auto-close: ${err.message}; retried later`);
      return this.defer(claim, err.retryAfterMs ?? UNAVAILABLE_BACKOFF_MS);
    }
    // not CXone's answer (e.g. the database): the claim's lease brings the thread back
    this.logger.error(log, `auto-close failed: ${String(err)}; retried when its claim expires`);
    return 'deferred';
  }

  /**
   * CXone refused the change (a 4xx): a contact that ended already is fine (the thread closes); one that is still
   * open is left alone for good, since asking again would be refused again.
   */
  private async refused(
    claim: AutoCloseClaim,
    channel: ChannelInfo,
    account: CxoneAccountRef,
    err: CxoneRejectedError,
    log: Record<string, unknown>,
  ): Promise<Outcome> {
    let status: DfoContactStatus;
    try {
      status = (await this.cxone.getContact(account, claim.cxoneContactId)).status;
    } catch (readErr) {
      if (readErr instanceof CxoneRejectedError && readErr.httpStatus === 404)
        return this.finish(claim, channel, 'contact_gone', log);
      this.failuresTotal.inc({ reason: 'unavailable' });
      return this.defer(claim, UNAVAILABLE_BACKOFF_MS);
    }
    if (ENDED.has(status)) return this.finish(claim, channel, 'already_ended', log);
    this.failuresTotal.inc({ reason: 'rejected' });
    await this.threads.abandonAutoClose(claim.id);
    this.logger.error({ ...log, contactStatus: status }, `auto-close given up: ${err.message}`);
    return 'refused';
  }

  private async finish(
    claim: AutoCloseClaim,
    channel: ChannelInfo,
    how: 'resolved' | 'contact_gone' | 'already_ended',
    log: Record<string, unknown>,
  ): Promise<Outcome> {
    const finished = await this.threads.finishAutoClose(claim.id, new Date(this.clock.now()));
    if (finished === 'answered') {
      this.answeredTotal.inc({ when: 'after' });
      this.logger.warn(
        log,
        'auto-close: the customer answered while CXone resolved the contact; the thread stays open',
      );
      return 'answered';
    }
    this.closedTotal.inc({ how });
    this.logger.log({ ...log, how }, 'unanswered alert auto-closed');
    if (finished === 'closed' && channel.kind === 'BYOC_CHAT') {
      // a chat alert: the customer's open widgets show the conversation ended
      const thread = await this.threads.findById(claim.id);
      if (thread) await this.events.publish(thread.contactId, { type: 'conversation', thread: toThreadView(thread) });
    }
    return 'closed';
  }

  private async defer(claim: AutoCloseClaim, ms: number): Promise<Outcome> {
    await this.threads.deferAutoClose(claim.id, new Date(this.clock.now() + ms));
    return 'deferred';
  }
}
