import { Injectable } from '@nestjs/common';
import { RedisRateLimiter } from '@/infra/rate-limit/rate-limiter';

/**
 * Contact reads per second this service allows itself for agent-ended detection, per CXone account and per use: a
 * share of the DFO read budget (120,000 per hour per tenant, about 33 per second, shared with everything else that
 * reads). The periodic poll of open chats and the check before a customer's post each get this many.
 */
export const CONTACT_READS_PER_SECOND = 8;

export type ContactReadUse = 'poll' | 'post';

/** Slots for reading CXone contacts' statuses, across every replica (Redis), within the share above. */
@Injectable()
export class ContactReadBudget {
  constructor(private readonly limiter: RedisRateLimiter) {}

  /** Waits up to maxWaitMs for a slot; false when the share is spent for now (or Redis cannot say). */
  async take(accountId: string, use: ContactReadUse, maxWaitMs: number): Promise<boolean> {
    try {
      await this.limiter.acquire(
        `cxone:${accountId}:contact-reads:${use}`,
        { limit: CONTACT_READS_PER_SECOND },
        { maxWaitMs },
      );
      return true;
    } catch {
      return false; // spent (RateLimitWaitTooLongError), or Redis is away: the next round or post asks again
    }
  }
}
