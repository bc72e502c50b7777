import { Injectable, Logger } from '@nestjs/common';
import type { RecipientStatus } from '@/infra/prisma/generated/client';
import { GroupCommit, SEND_PATH_GROUP_COMMIT } from '@/infra/batching/group-commit';
import { Clock } from '@/infra/time/clock';
import type { ProactiveContent } from '@/integrations/cxone/content';
import type { SentMessage } from '@/integrations/cxone/cxone.client';
import { type FailureReason, recipientAllowedFrom } from '@/modules/campaigns/campaign.state';
import { ConsentChanges, ConsentMark } from '@/modules/contacts/consent-changes';
import { ContactState, ContactsService } from '@/modules/contacts/contacts.service';
import { ThreadsService } from '@/modules/threads/threads.service';
import { CompletionChecker } from './completion-checker';
import { Attempt, ClaimedRow, DispatchRepository, RecipientRef, SendContext } from './dispatch.repository';
import { DispatchMetrics } from './dispatch.metrics';
import { messageExternalId, threadExternalId } from './external-ids';
import { ProgressService } from './progress.service';
import type { SendTarget } from './send-targets';

export type Claimed = SendContext &
  Attempt & {
    /** The customer's consent as the claim read it, and when (the gate re-reads it only if it may have changed). */
    consent: { state: ContactState; mark: ConsentMark };
  };

/** How a job came to run, for the queue-wait metric. */
export interface JobTiming {
  /** When the job was first queued (ms since epoch). */
  queuedAt: number;
  /** First run of the job (not a retry, a 429 restart or a crash re-run). */
  firstRun: boolean;
}

/**
 * Where the send path records what happened to a recipient: the row's state machine (claim, SENT, FAILED, skipped,
 * released, waiting for a retry), the sent alert in the conversation store, metrics, the live send rate and the
 * campaign's completion. Every write is guarded by the recipient's generation, so a stale job changes nothing.
 */
@Injectable()
export class RecipientLedger {
  private readonly logger = new Logger(RecipientLedger.name);
  /** Concurrent sends' claims, group-committed: one statement for all that start within a moment. */
  private readonly claims: GroupCommit<RecipientRef, ClaimedRow | null>;

  constructor(
    private readonly repository: DispatchRepository,
    private readonly threads: ThreadsService,
    private readonly progress: ProgressService,
    private readonly completion: CompletionChecker,
    private readonly metrics: DispatchMetrics,
    private readonly clock: Clock,
    private readonly contacts: ContactsService,
    private readonly consentChanges: ConsentChanges,
  ) {
    this.claims = new GroupCommit({
      onBatch: metrics.groupCommit('claims'),
      many: (refs) => this.repository.claimMany(refs),
      single: async (ref) => (await this.repository.claimMany([ref]))[0] ?? null,
      ...SEND_PATH_GROUP_COMMIT,
    });
  }

  /**
   * Claims the recipient for this job (its current generation, its campaign running). Null: nothing to send; a row
   * this job should have finished but whose campaign stopped goes back to PENDING (or CANCELLED) on the way.
   */
  async claim(recipientId: string, generation: number): Promise<Claimed | null> {
    const mark = this.consentChanges.mark();
    const claimed = await this.claims.write({ recipientId, generation });
    if (claimed) {
      const { optedOut, lastInboundAt, ...ctx } = claimed;
      return { ...ctx, attempt: ctx.attempts + 1, consent: { state: { optedOut, lastInboundAt }, mark } };
    }
    const released = await this.repository.releaseIfStopped({ recipientId, generation });
    if (released) this.logger.log({ recipientId, status: released }, 'campaign stopped: recipient released');
    return null;
  }

  observeQueueWait(target: SendTarget, timing: JobTiming): void {
    if (timing.firstRun)
      this.metrics.queueWait.observe({ account: target.account.id }, (this.clock.now() - timing.queuedAt) / 1000);
  }

  /** Times one send (rate-slot wait plus the CXone call); call the returned function when it ends. */
  startTimer(target: SendTarget): () => void {
    return this.metrics.sendLatency.startTimer({ account: target.account.id });
  }

  /**
   * CXone accepted the alert: the recipient is SENT with CXone's ids and the conversation store gets the customer's
   * proactive thread with the alert as its first message, in one statement (the threads module's).
   */
  async sent(ctx: Claimed, target: SendTarget, sent: SentMessage, content: ProactiveContent): Promise<void> {
    const recorded = await this.threads.recordSentAlert(
      {
        channelId: ctx.channelId,
        contact: { address: ctx.address, displayName: ctx.name },
        thread: {
          idOnExternalPlatform: sent.threadExternalId || threadExternalId(ctx.recipientId),
          campaignId: ctx.campaignId,
          cxoneContactId: sent.contactId,
          cxoneThreadId: sent.threadId,
        },
        message: { idOnExternalPlatform: messageExternalId(ctx.recipientId), cxoneMessageId: sent.messageId, content },
      },
      {
        recipientId: ctx.recipientId,
        generation: ctx.generation,
        attempt: ctx.attempt,
        fromStatuses: recipientAllowedFrom('SENT').filter((s) => s === 'SENDING'),
      },
    );
    if (!recorded) return;
    this.metrics.outcomes.inc({ account: target.account.id, outcome: 'sent' });
    this.progress.countSent(ctx.campaignId);
    this.completion.check(ctx.campaignId);
  }

  async failed(ctx: Claimed, target: SendTarget, reason: FailureReason, message: string): Promise<void> {
    this.metrics.failures.inc({ account: target.account.id, reason });
    if (await this.repository.finish(ctx, 'FAILED', reason, message)) this.finished(ctx, target, 'failed');
  }

  async skipped(
    ctx: Claimed,
    target: SendTarget,
    status: Extract<RecipientStatus, 'SKIPPED_OPTED_OUT' | 'SKIPPED_WINDOW'>,
    why: string,
  ): Promise<void> {
    if (await this.repository.finish(ctx, status, null, why)) this.finished(ctx, target, status.toLowerCase());
  }

  /**
   * CXone refused the send because the customer opted out there: recorded in the consent ledger (source CXONE, once
   * per recipient) and the recipient SKIPPED_OPTED_OUT.
   */
  async optedOutAtCxone(ctx: Claimed, target: SendTarget, why: string): Promise<void> {
    await this.contacts.recordFromChannel({
      channelId: ctx.channelId,
      address: ctx.address,
      kind: 'OPT_OUT',
      source: 'CXONE',
      externalRef: `refused-send-${ctx.recipientId}`,
      detail: `CXone refused a send: ${why}`.slice(0, 500),
    });
    await this.skipped(ctx, target, 'SKIPPED_OPTED_OUT', `CXone: the customer opted out (${why})`);
  }

  /** The campaign stopped while the recipient waited for its slot: PENDING again (paused) or CANCELLED. */
  async stopped(ctx: Claimed, how: 'paused' | 'cancelled'): Promise<void> {
    await this.repository.release(ctx, how === 'paused' ? 'PENDING' : 'CANCELLED');
    if (how === 'cancelled') this.completion.check(ctx.campaignId);
  }

  /** A transient failure that will be retried: the row waits (QUEUED) with the attempt counted. */
  async retryLater(ctx: Claimed, target: SendTarget, message: string): Promise<void> {
    this.metrics.failures.inc({ account: target.account.id, reason: 'TRANSIENT' });
    await this.repository.retryLater(ctx, message);
  }

  /** The job runs again later without having sent (no slot soon, or shutting down): the row waits as QUEUED. */
  async notNow(ctx: Claimed): Promise<void> {
    await this.repository.unclaim(ctx);
  }

  /** In its quiet hours: QUEUED again until `until`, no attempt counted. */
  async deferred(ctx: Claimed, target: SendTarget, until: Date): Promise<void> {
    if (await this.repository.defer(ctx, until)) this.metrics.deferred.inc({ account: target.account.id });
  }

  /** A 429: counted against the recipient (no attempt spent); returns its total. */
  async rateLimited(ctx: Claimed, target: SendTarget, message: string): Promise<number> {
    this.metrics.rateLimited.inc({ account: target.account.id });
    return this.repository.noteRateLimited(ctx, message);
  }

  private finished(ctx: Claimed, target: SendTarget, outcome: string): void {
    this.metrics.outcomes.inc({ account: target.account.id, outcome });
    this.completion.check(ctx.campaignId);
  }
}
