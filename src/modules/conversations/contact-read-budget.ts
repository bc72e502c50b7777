import { Injectable } from '@nestjs/common';
import { AppConfig } from '@/config';
import { RedisRateLimiter } from '@/infra/rate-limit/rate-limiter';

/**
 * Contact reads per second this service allows itself for agent-ended detection, per CXone account and per use: a
 * share of the DFO read budget (120,000 per hour per tenant, about 33 per second, shared with everything else that
 * reads). The periodic poll of open chats and the check before a customer's post each get this many.
 */
export const CONTACT_READS_PER_SECOND = 8;

export type ContactReadUse = 'poll' | 'post' | 'reconcile';

export const CONTACT_READ_USES: readonly ContactReadUse[] = ['poll', 'post', 'reconcile'];

/**
 * Slots for reading CXone contacts (status, messages), across every replica (Redis), each use within its share:
 * 'poll' and 'post' get CONTACT_READS_PER_SECOND (8/s) each, 'reconcile' RECONCILE_READS_PER_SECOND (12/s by
 * default, at most 15). Together 28/s by default (100,800 an hour, at most 31/s), below DFO's 33/s (120,000 an hour
 * per tenant), leaving room for other readers of the same tenant.
 */
@Injectable()
export class ContactReadBudget {
  constructor(
    private readonly limiter: RedisRateLimiter,
    private readonly config: AppConfig,
  ) {}

  /** The share of one use, reads per second. */
  perSecond(use: ContactReadUse): number {
    return use === 'reconcile' ? this.config.reconcile.readsPerSecond : CONTACT_READS_PER_SECOND;
  }

  /** Waits up to maxWaitMs for a slot; false when the share is spent for now (or Redis cannot say). */
  async take(accountId: string, use: ContactReadUse, maxWaitMs: number): Promise<boolean> {
    try {
      await this.limiter.acquire(key(accountId, use), { limit: this.perSecond(use) }, { maxWaitMs });
      return true;
    } catch {
      return false; // spent (RateLimitWaitTooLongError), or Redis is away: the next round or post asks again
    }
  }

  /**
   * CXone answered a read with 429: the tenant's read budget is spent, whoever spent it, so no use of this account
   * reads again for `ms`. Best effort: without Redis the next read's own 429 says the same.
   */
  async block(accountId: string, ms: number): Promise<void> {
    await Promise.all(
      CONTACT_READ_USES.map((use) => this.limiter.block(key(accountId, use), ms).catch(() => undefined)),
    );
  }
}

function key(accountId: string, use: ContactReadUse): string {
  return `cxone:${accountId}:contact-reads:${use}`;
}
