import { Injectable } from '@nestjs/common';
import { RedisRateLimiter } from '@/infra/rate-limit/rate-limiter';

/**
 * Contact status changes per second the auto-close allows itself, per CXone account: a small share of DFO's "update
 * contact" budget (1,000,000 per hour per tenant, about 278 per second, which every outbound send also spends), so
 * closing a large campaign's unanswered alerts (18,000 an hour at this pace) never crowds out its sends. Each contact
 * is changed once, far inside CXone's per-contact bucket (burst 250, 17 per minute).
 */
export const AUTO_CLOSE_UPDATES_PER_SECOND = 5;

/** Slots for the auto-close's CXone contact updates, across every replica (Redis), within the share above. */
@Injectable()
export class ContactUpdateBudget {
  constructor(private readonly limiter: RedisRateLimiter) {}

  /** Waits up to maxWaitMs for a slot; false when the share is spent for now (or Redis cannot say). */
  async take(accountId: string, maxWaitMs: number): Promise<boolean> {
    try {
      await this.limiter.acquire(key(accountId), { limit: AUTO_CLOSE_UPDATES_PER_SECOND }, { maxWaitMs });
      return true;
    } catch {
      return false; // spent (RateLimitWaitTooLongError), or Redis is away: the threads are due again shortly
    }
  }

  /** CXone answered 429: no replica takes a slot for `ms`. */
  async pause(accountId: string, ms: number): Promise<void> {
    await this.limiter.block(key(accountId), ms).catch(() => undefined);
  }
}

function key(accountId: string): string {
  return `cxone:${accountId}:contact-updates:auto-close`;
}
