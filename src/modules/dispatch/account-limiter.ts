import { Injectable } from '@nestjs/common';
import { AppConfig } from '@/config';
import { dispatchQueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { RateLimitWaitTooLongError, RedisRateLimiter } from '@/infra/rate-limit/rate-limiter';
import type { CxoneAccountRef } from '@/integrations/cxone/cxone.client';

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
 * limit in any sliding second), and the account-wide pause a 429 calls for.
 */
@Injectable()
export class AccountRateLimiter {
  constructor(
    private readonly limiter: RedisRateLimiter,
    private readonly queues: QueueService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Waits for the account's next slot and starts on it, running `stillWanted` just before each slot it reserves.
   * Resolves true at the start, false when `stillWanted` said no (nothing started). Throws RateLimitWaitTooLongError
   * when the next slot is more than 10 s away (the account is saturated or paused).
   */
  async acquire(account: CxoneAccountRef, stillWanted: () => Promise<boolean>): Promise<boolean> {
    const slot = await this.limiter.acquire(
      rateLimitKey(account.id),
      { limit: account.settings.rateLimitPerSecond, marginMs: this.config.dispatch.rateLimitMarginMs },
      { maxWaitMs: MAX_SLOT_WAIT_MS, beforeStart: { leadMs: GATE_LEAD_MS, run: stillWanted } },
    );
    return slot !== null;
  }

  /** No send of the account starts within `ms`, in any process (CXone answered 429). */
  async pause(accountId: string, ms: number): Promise<void> {
    await this.limiter.block(rateLimitKey(accountId), ms);
    await this.queues.dynamicQueue(dispatchQueueName(accountId)).rateLimit(ms);
  }
}

export function isSlotWaitTooLong(err: unknown): err is RateLimitWaitTooLongError {
  return err instanceof RateLimitWaitTooLongError;
}
