import { Injectable } from '@nestjs/common';
import { setMaxListeners } from 'node:events';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { dispatchQueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { RateLimitWaitTooLongError, RedisRateLimiter } from '@/infra/rate-limit/rate-limiter';
import type { CxoneAccountRef } from '@/integrations/cxone/cxone.client';
import { AdaptiveMargin } from './adaptive-margin';

export { RateLimitWaitTooLongError } from '@/infra/rate-limit/rate-limiter';

/** How long a send waits for a rate slot before it hands its place back (as a delayed job) instead of holding a worker. */
const MAX_SLOT_WAIT_MS = 10_000;
/** How far ahead of its rate slot a send runs its last check. */
const GATE_LEAD_MS = 20;

export function rateLimitKey(accountId: string): string {
  return `cxone:${accountId}:outbound`;
}

/**
 * Each CXone account's contract rate, shared by every worker and replica (the Redis limiter: never more than the
 * limit in any sliding second), and the account-wide pause a 429 calls for. The limiter's margin on each sliding
 * second is learned per account from those 429s (AdaptiveMargin), so network jitter between here and CXone is
 * absorbed without hand tuning.
 */
@Injectable()
export class AccountRateLimiter {
  private readonly shutdown = new AbortController();

  constructor(
    private readonly limiter: RedisRateLimiter,
    private readonly queues: QueueService,
    lifecycle: LifecycleService,
    private readonly margin: AdaptiveMargin,
  ) {
    // A send still waiting for its slot when the process shuts down hands its job back at once, instead of holding
    // the shutdown until its slot comes (up to 10 s).
    lifecycle.shuttingDown$.subscribe(() => this.shutdown.abort());
    // every send waiting for a slot listens to it (DISPATCH_CONCURRENCY of them), each removed when its wait ends
    setMaxListeners(0, this.shutdown.signal);
  }

  /**
   * Waits for the account's next slot and starts on it, running `stillWanted` just before each slot it reserves.
   * Resolves true at the start, false when `stillWanted` said no (nothing started). Throws RateLimitWaitTooLongError
   * when the next slot is more than 10 s away (the account is saturated or paused), and an AbortError when the process
   * starts shutting down meanwhile.
   */
  async acquire(account: CxoneAccountRef, stillWanted: () => Promise<boolean>): Promise<boolean> {
    const key = rateLimitKey(account.id);
    const slot = await this.limiter.acquire(
      key,
      { limit: account.settings.rateLimitPerSecond, marginMs: await this.margin.marginMs(account.id, key) },
      {
        maxWaitMs: MAX_SLOT_WAIT_MS,
        beforeStart: { leadMs: GATE_LEAD_MS, run: stillWanted },
        signal: this.shutdown.signal,
      },
    );
    return slot !== null;
  }

  /**
   * No send of the account starts within `ms`, in any process (CXone answered 429), and the account's margin widens
   * (once per burst of 429s).
   */
  async pause(accountId: string, ms: number): Promise<void> {
    await this.limiter.block(rateLimitKey(accountId), ms);
    await this.queues.dynamicQueue(dispatchQueueName(accountId)).rateLimit(ms);
    await this.margin.rateLimited(accountId, rateLimitKey(accountId), ms);
  }
}

export function isSlotWaitTooLong(err: unknown): err is RateLimitWaitTooLongError {
  return err instanceof RateLimitWaitTooLongError;
}

/** The wait for a slot ended because the process is shutting down. */
export function isShutdownAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
