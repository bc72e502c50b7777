import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { RecipientStatus } from '@/infra/prisma/generated/client';
import { RedisService } from '@/infra/redis/redis.service';
import { DispatchRepository, type StatusCounts } from './dispatch.repository';

const RATE_WINDOW_S = 10;
const FLUSH_EVERY_MS = 500;
/** The send rate is a nicety: a campaign read must not wait on a struggling Redis for it. */
const RATE_READ_TIMEOUT_MS = 250;

export interface RecipientCounts {
  total: number;
  pending: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  skippedOptedOut: number;
  skippedInvalid: number;
  skippedWindow: number;
  cancelled: number;
}

export interface CampaignProgress {
  done: number;
  remaining: number;
  /** Sends per second over the last 10 s; null when it cannot be read right now (Redis unavailable). */
  sendRatePerSecond: number | null;
  etaSeconds: number | null;
  /** Of the remaining, those waiting for their quiet hours to end. */
  deferred: number;
  /** 429 answers CXone gave this campaign's sends so far. */
  rateLimited: number;
}

/**
 * Live progress: counts per state come from PostgreSQL (the record); the send rate from per-second counters in
 * Redis that workers bump on every SENT (a rebuildable cache, kept two minutes). Without Redis, progress is still
 * answered from PostgreSQL, with the rate left empty.
 */
@Injectable()
export class ProgressService implements OnApplicationShutdown {
  private readonly logger = new Logger(ProgressService.name);
  /** Sends counted here and not yet added to Redis, per counter key. */
  private readonly unflushed = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisService,
    private readonly repository: DispatchRepository,
  ) {}

  /**
   * Counts a SENT towards its second's counter. Counted here first and added to Redis twice a second, for every send
   * of that half second in one write (not two commands per send); what a crash loses is half a second of a rate.
   */
  countSent(campaignId: string, at = Date.now()): void {
    const key = this.key(campaignId, Math.floor(at / 1000));
    this.unflushed.set(key, (this.unflushed.get(key) ?? 0) + 1);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
      this.flushTimer.unref();
    }
  }

  /** Adds the counts not yet in Redis (bounded: one entry per campaign and second of the last half second). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.unflushed.size === 0) return;
    const counts = [...this.unflushed];
    this.unflushed.clear();
    // One command each (auto-pipelining sends those of this turn together, per node on a Redis Cluster, where one
    // pipeline may not span nodes).
    const client = this.redis.client;
    const results = await Promise.allSettled(
      counts.flatMap(([key, count]) => [client.incrby(key, count), client.expire(key, 120, 'NX')]),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) this.logger.debug(`send-rate counters dropped: ${String(failed.reason)}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Messages sent per second over the last 10 complete seconds; null when Redis does not answer quickly. */
  async sendRate(campaignId: string, at = Date.now()): Promise<number | null> {
    const now = Math.floor(at / 1000);
    const keys = Array.from({ length: RATE_WINDOW_S }, (_, i) => this.key(campaignId, now - 1 - i));
    try {
      const values = await this.redis.withTimeout(this.redis.client.mget(...keys), RATE_READ_TIMEOUT_MS);
      const total = values.reduce((sum, v) => sum + Number(v ?? 0), 0);
      return Math.round((total / RATE_WINDOW_S) * 100) / 100;
    } catch (err) {
      this.logger.debug(`send rate unavailable: ${String(err)}`);
      return null;
    }
  }

  /** Recipients per status for each campaign (and the 429s its sends met, as `rateLimited`). */
  countsByStatus(campaignIds: string[]): Promise<Map<string, StatusCounts>> {
    return this.repository.countsByStatus(campaignIds);
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

  /** Recipients waiting for their quiet hours to end, per campaign (absent: none). */
  deferredCounts(campaignIds: string[]): Promise<Map<string, number>> {
    return this.repository.deferredCounts(campaignIds);
  }

  static progress(
    counts: RecipientCounts,
    sendRatePerSecond: number | null,
    deferred = 0,
    rateLimited = 0,
  ): CampaignProgress {
    const remaining = counts.pending + counts.queued + counts.sending;
    return {
      deferred,
      done: counts.total - remaining,
      remaining,
      sendRatePerSecond,
      etaSeconds:
        remaining === 0
          ? 0
          : sendRatePerSecond !== null && sendRatePerSecond > 0
            ? Math.ceil(remaining / sendRatePerSecond)
            : null,
      rateLimited,
    };
  }

  /** Per-second counters of one campaign share a hash tag, so sendRate's MGET reads one Redis Cluster slot. */
  private key(campaignId: string, second: number): string {
    return this.redis.key('campaign', `{${campaignId}}`, 'sent', String(second));
  }
}
