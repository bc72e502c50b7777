import { Injectable, Logger } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { AppConfig } from '@/config';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { Clock } from '@/infra/time/clock';
import { CxoneAccountRef, CxoneClient } from '@/integrations/cxone/cxone.client';
import { CxoneError, CxoneRateLimitedError } from '@/integrations/cxone/cxone.errors';
import type { DfoContactMessage } from '@/integrations/cxone/dfo.types';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ContactReadBudget } from '@/modules/conversations/contact-read-budget';
import { InboundService } from '@/modules/replies/inbound.service';
import { ReconcileThread, ThreadsService } from '@/modules/threads/threads.service';
import { nextReconcileAt, ReconcileBackoff } from './reconcile-backoff';

/** A claimed thread is due again after this long if its round never finishes it (the process died). */
export const RECONCILE_LEASE_MS = 5 * 60_000;
/** Back-off of the account's reads after a 429 that named no Retry-After. */
export const RATE_LIMITED_BACKOFF_MS = 30_000;
/**
 * Reads of one account in flight at once: enough to keep the share's pace while a read takes up to this long (each
 * still waits for its slot, so more in flight never means more reads per second).
 */
const READ_LATENCY_ALLOWANCE_MS = 500;
export function readConcurrency(readsPerSecond: number): number {
  return Math.min(32, Math.max(4, Math.ceil((readsPerSecond * READ_LATENCY_ALLOWANCE_MS) / 1000)));
}
/** A round goes on reading a backlog for at most this many intervals (the next round then takes over). */
const ROUND_INTERVALS = 4;

export interface RoundResult {
  accounts: number;
  /** Threads whose messages were read. */
  threads: number;
  /** Contact reads spent (message lists, and contact look-ups for threads whose CXone contact was not known). */
  reads: number;
  /** Customer messages Threadline learnt of by this round (not known from the webhook before). */
  found: number;
  /** Accounts whose round stopped on a 429. */
  rateLimited: number;
}

type ThreadOutcome = 'read' | 'no-contact' | 'error' | 'released';

/**
 * Reconciliation: the open proactive threads' messages are read back from CXone (GET /contacts/{n}/messages), so
 * replies and STOPs are seen even when no webhook is configured or a push was lost. Each round (a job scheduler's
 * job) takes every account's due threads, most overdue first, claims them (replicas share the work), reads each
 * within the account's 'reconcile' share of the DFO read budget, passes customer messages it has not seen to the
 * InboundService exactly as the webhook does (stored once by id, so the two paths dedupe against each other), and
 * schedules the next read with a backoff that grows with the thread's age (reconcile-backoff.ts). A 429 stops the
 * account's round and blocks its reads for Retry-After.
 */
@Injectable()
export class ReconcileService {
  private readonly logger = new Logger(ReconcileService.name);
  private readonly reads: Counter<'account' | 'outcome'>;
  private readonly found: Counter<'account'>;
  private readonly lag: Histogram<'account'>;
  private running: Promise<RoundResult> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly threads: ThreadsService,
    private readonly accounts: AccountsService,
    private readonly cxone: CxoneClient,
    private readonly budget: ContactReadBudget,
    private readonly inbound: InboundService,
    private readonly clock: Clock,
    metrics: MetricsService,
  ) {
    this.reads = metrics.counter({
      name: 'threadline_reconcile_reads_total',
      help: 'DFO contact reads spent by reconciliation, by outcome (ok, rate_limited, error)',
      labelNames: ['account', 'outcome'],
    });
    this.found = metrics.counter({
      name: 'threadline_reconcile_messages_found_total',
      help: 'Customer messages Threadline learnt of by reconciliation (the webhook had not brought them)',
      labelNames: ['account'],
    });
    this.lag = metrics.histogram({
      name: 'threadline_reconcile_lag_seconds',
      help: 'Time from a customer message in CXone to reconciliation storing it',
      labelNames: ['account'],
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200],
    });
  }

  private get backoff(): ReconcileBackoff {
    return { minDelayMs: this.config.reconcile.minDelayMs, maxDelayMs: this.config.reconcile.maxDelayMs };
  }

  /** One round (the scheduler's job; tests call it too). A round still running in this process is joined, not doubled. */
  round(): Promise<RoundResult> {
    this.running ??= this.runRound().finally(() => (this.running = null));
    return this.running;
  }

  private async runRound(): Promise<RoundResult> {
    const result: RoundResult = { accounts: 0, threads: 0, reads: 0, found: 0, rateLimited: 0 };
    if (!this.config.reconcile.enabled) return result;
    const accounts = await this.threads.accountsDueForReconcile(new Date(this.clock.now()));
    result.accounts = accounts.length;
    // accounts side by side: each reads within its own share
    await Promise.all(
      accounts.map((accountId) =>
        this.reconcileAccount(accountId, result).catch((err: unknown) =>
          this.logger.warn(
            { accountId },
            `reconciliation round failed for the account; next round retries: ${String(err)}`,
          ),
        ),
      ),
    );
    if (result.found > 0) this.logger.log(result, 'reconciliation found customer messages the webhook had not brought');
    return result;
  }

  /**
   * The account's part of a round: batches of due threads (as many as its read share allows in one interval), one
   * after another while threads are due and slots come, for at most ROUND_INTERVALS intervals, so a backlog is read
   * at the full share without rounds waiting on each other.
   */
  private async reconcileAccount(accountId: string, result: RoundResult): Promise<void> {
    const account = await this.accounts.resolve(accountId);
    const { intervalMs } = this.config.reconcile;
    const share = this.budget.perSecond('reconcile');
    const concurrency = readConcurrency(share);
    const batch = Math.max(concurrency, Math.ceil((share * intervalMs) / 1000));
    const endsAt = this.clock.now() + intervalMs * ROUND_INTERVALS;
    for (;;) {
      const now = this.clock.now();
      const claimed = await this.threads.claimForReconcile(
        accountId,
        new Date(now),
        new Date(now + RECONCILE_LEASE_MS),
        batch,
      );
      const spent = await this.readBatch(account, claimed, concurrency, result);
      if (spent || claimed.length < batch || this.clock.now() >= endsAt) return;
    }
  }

  /** Reads a batch of claimed threads, `concurrency` at a time. True when the share ran out or CXone said 429. */
  private async readBatch(
    account: CxoneAccountRef,
    claimed: ReconcileThread[],
    concurrency: number,
    result: RoundResult,
  ): Promise<boolean> {
    let stopped = false;
    const queue = [...claimed];
    const worker = async (): Promise<void> => {
      for (let thread = queue.shift(); thread; thread = queue.shift()) {
        if (stopped) {
          await this.release(thread);
          continue;
        }
        const outcome = await this.reconcileThread(account, thread, result).catch(async (err: unknown) => {
          if (!(err instanceof CxoneRateLimitedError)) throw err;
          if (!stopped) {
            result.rateLimited++;
            const backoffMs = err.retryAfterMs ?? RATE_LIMITED_BACKOFF_MS;
            await this.budget.block(account.id, backoffMs);
            this.logger.warn(
              { accountId: account.id, backoffMs },
              'CXone rate-limited contact reads: reconciliation backs off',
            );
          }
          stopped = true;
          return 'released' as const;
        });
        if (outcome === 'released') {
          stopped = true;
          await this.release(thread);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
    return stopped;
  }

  /**
   * Reads one thread's CXone messages and passes on the customer's new ones. Throws CxoneRateLimitedError (the
   * caller stops the account's round); every other failure reschedules the thread by its backoff.
   */
  private async reconcileThread(
    account: CxoneAccountRef,
    thread: ReconcileThread,
    result: RoundResult,
  ): Promise<ThreadOutcome> {
    const slotWaitMs = this.config.reconcile.intervalMs * 2;
    let contactId = thread.cxoneContactId;
    try {
      if (!contactId) {
        if (!(await this.budget.take(account.id, 'reconcile', slotWaitMs))) return 'released';
        contactId = await this.findContact(account, thread, result);
        if (!contactId) {
          await this.reschedule(thread, null, null);
          return 'no-contact';
        }
      }
      if (!(await this.budget.take(account.id, 'reconcile', slotWaitMs))) return 'released';
      const known = contactId;
      const listed = await this.spend(account, () => this.cxone.listContactMessages(account, known), result);
      if (listed.total > listed.messages.length) {
        this.logger.warn(
          { threadId: thread.id, contactId, total: listed.total, returned: listed.messages.length },
          'CXone returned part of a contact’s messages; the newest are read first',
        );
      }
      result.threads++;
      const { newest, lastCustomerAt } = await this.passOn(account, thread, contactId, listed.messages, result);
      await this.reschedule(thread, newest, lastCustomerAt);
      return 'read';
    } catch (err) {
      if (err instanceof CxoneRateLimitedError) throw err;
      const reason = err instanceof CxoneError ? err.message : String(err);
      this.logger.warn(
        { threadId: thread.id, contactId },
        `reconciliation read failed; the thread is read again later: ${reason}`,
      );
      await this.reschedule(thread, null, null);
      return 'error';
    }
  }

  /** The CXone contact of a thread whose send did not say (the outbound answer had no consumerContact). */
  private async findContact(
    account: CxoneAccountRef,
    thread: ReconcileThread,
    result: RoundResult,
  ): Promise<string | null> {
    const contacts = await this.spend(
      account,
      () => this.cxone.findContacts(account, { channelId: thread.cxoneChannelId, endUserId: thread.address }),
      result,
    );
    const mine = contacts
      .filter((c) => c.threadIdOnExternalPlatform === thread.idOnExternalPlatform)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    if (!mine) return null;
    await this.threads.setCxoneIds(thread.id, mine.id, mine.threadId ?? null);
    return mine.id;
  }

  /**
   * The customer's messages newer than the last one seen, oldest first (HELP before STOP), through the same door as
   * the webhook's. Returns the newest message time seen and the newest customer message time.
   */
  private async passOn(
    account: CxoneAccountRef,
    thread: ReconcileThread,
    contactId: string,
    messages: DfoContactMessage[],
    result: RoundResult,
  ): Promise<{ newest: Date | null; lastCustomerAt: Date | null }> {
    const seenUpTo = thread.lastSeenMessageAt?.getTime() ?? -Infinity;
    const timed = messages
      .map((m) => ({ m, at: Date.parse(m.createdAtWithMilliseconds ?? m.createdAt) }))
      .filter(({ at }) => Number.isFinite(at))
      .sort((a, b) => a.at - b.at);
    let newest: number | null = null;
    let lastCustomerAt: number | null = null;
    for (const { m, at } of timed) {
      newest = at;
      if (m.direction !== 'inbound') continue;
      lastCustomerAt = at;
      // equal times are passed again: the InboundService recognises a message it stored (by its id)
      if (at < seenUpTo) continue;
      const from = m.authorEndUserIdentity?.idOnExternalPlatform ?? thread.address;
      const outcome = await this.inbound.customerMessage({
        accountId: account.id,
        cxoneChannelId: m.channel?.id ?? thread.cxoneChannelId,
        threadExternalId: m.threadIdOnExternalPlatform ?? thread.idOnExternalPlatform,
        contactNumber: m.contactNumber ?? contactId,
        cxoneThreadId: m.threadId ?? null,
        from,
        cxoneMessageId: m.id,
        idOnExternalPlatform: m.idOnExternalPlatform ?? null,
        content: m.messageContent ?? { type: 'TEXT', payload: { text: '' } },
        createdAt: new Date(at),
        via: 'reconciliation',
      });
      if (outcome === 'stored') {
        result.found++;
        this.found.inc({ account: account.id });
        this.lag.observe({ account: account.id }, Math.max(0, this.clock.now() - at) / 1000);
      }
    }
    return {
      newest: newest === null ? null : new Date(newest),
      lastCustomerAt: lastCustomerAt === null ? null : new Date(lastCustomerAt),
    };
  }

  /** Calls CXone for one read, counting it by outcome. */
  private async spend<T>(account: CxoneAccountRef, read: () => Promise<T>, result: RoundResult): Promise<T> {
    result.reads++;
    try {
      const answer = await read();
      this.reads.inc({ account: account.id, outcome: 'ok' });
      return answer;
    } catch (err) {
      this.reads.inc({ account: account.id, outcome: err instanceof CxoneRateLimitedError ? 'rate_limited' : 'error' });
      throw err;
    }
  }

  /** The next read by the thread's backoff, counting its age from the alert or the customer's latest message. */
  private reschedule(thread: ReconcileThread, newest: Date | null, lastCustomerAt: Date | null): Promise<void> {
    const latestCustomer =
      lastCustomerAt && (!thread.lastCustomerAt || lastCustomerAt > thread.lastCustomerAt)
        ? lastCustomerAt
        : thread.lastCustomerAt;
    const at = nextReconcileAt(
      this.clock.now(),
      { createdAt: thread.createdAt, lastCustomerAt: latestCustomer },
      this.backoff,
    );
    return this.threads.scheduleReconcile(thread.id, at, newest);
  }

  /** Not read in this round (the budget was spent, or CXone said 429): back to its place in the line. */
  private release(thread: ReconcileThread): Promise<void> {
    return this.threads.scheduleReconcile(thread.id, thread.dueAt, null);
  }
}
