import { Injectable } from '@nestjs/common';
import type { RecipientStatus } from '@/infra/prisma/generated/client';
import { RedisService } from '@/infra/redis/redis.service';
import type { CampaignProgress, RecipientCounts } from './dto/campaign.dto';

const RATE_WINDOW_S = 10;

/**
 * Live progress: counts per state come from PostgreSQL; the send rate from per-second counters in Redis that
 * workers bump on every SENT (a rebuildable cache, kept two minutes).
 */
@Injectable()
export class ProgressService {
  constructor(private readonly redis: RedisService) {}

  async countSent(campaignId: string, at = Date.now()): Promise<void> {
    const key = this.key(campaignId, Math.floor(at / 1000));
    await Promise.all([this.redis.client.incr(key), this.redis.client.expire(key, 120, 'NX')]);
  }

  /** Messages sent per second over the last 10 complete seconds. */
  async sendRate(campaignId: string, at = Date.now()): Promise<number> {
    const now = Math.floor(at / 1000);
    const keys = Array.from({ length: RATE_WINDOW_S }, (_, i) => this.key(campaignId, now - 1 - i));
    const values = await this.redis.client.mget(...keys);
    const total = values.reduce((sum, v) => sum + Number(v ?? 0), 0);
    return Math.round((total / RATE_WINDOW_S) * 100) / 100;
  }

  static counts(byStatus: Partial<Record<RecipientStatus, number>>): RecipientCounts {
    const n = (s: RecipientStatus): number => byStatus[s] ?? 0;
    const counts = {
      pending: n('PENDING'),
      queued: n('QUEUED'),
      sending: n('SENDING'),
      sent: n('SENT'),
      failed: n('FAILED'),
      skippedOptedOut: n('SKIPPED_OPTED_OUT'),
      skippedInvalid: n('SKIPPED_INVALID'),
      skippedWindow: n('SKIPPED_WINDOW'),
      cancelled: n('CANCELLED'),
    };
    return { total: Object.values(counts).reduce((a, b) => a + b, 0), ...counts };
  }

  static progress(counts: RecipientCounts, sendRatePerSecond: number): CampaignProgress {
    const remaining = counts.pending + counts.queued + counts.sending;
    return {
      done: counts.total - remaining,
      remaining,
      sendRatePerSecond,
      etaSeconds: remaining === 0 ? 0 : sendRatePerSecond > 0 ? Math.ceil(remaining / sendRatePerSecond) : null,
    };
  }

  private key(campaignId: string, second: number): string {
    return this.redis.key('campaign', campaignId, 'sent', String(second));
  }
}
