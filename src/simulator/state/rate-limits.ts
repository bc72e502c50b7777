import { Injectable } from '@nestjs/common';
import { SimClock } from '@/simulator/common/clock';
import { DfoRateLimitedError, formatRetryAfter } from '@/simulator/common/sim-errors';
import { SlidingWindowLimiter } from '@/simulator/common/sliding-window-limiter';
import { BucketLimits, TokenBucket } from '@/simulator/common/token-bucket';
import { TrafficStats } from '@/simulator/traffic/traffic-stats';
import { SimSettings } from './sim-settings';

/**
 * DFO's limits as the simulator enforces them: the outbound contract rate per tenant (a strict sliding second), the
 * "update specific contact" token bucket per contact and the "get contact" read budget per tenant (a token bucket).
 * A refused call changes nothing and is answered 429. Buckets refill and windows slide on the simulator's clock.
 */
@Injectable()
export class RateLimits {
  private outbound = new Map<string, SlidingWindowLimiter>();
  private contacts = new Map<string, TokenBucket>();
  private contactReads = new Map<string, TokenBucket>();

  constructor(
    private readonly settings: SimSettings,
    private readonly stats: TrafficStats,
    private readonly clock: SimClock,
  ) {}

  /** Takes an outbound slot for `tenantId` at `at` (the request's arrival time), or throws a 429. */
  acquireOutbound(tenantId: string, at: number): void {
    const s = this.settings.value;
    let limiter = this.outbound.get(tenantId);
    if (!limiter) this.outbound.set(tenantId, (limiter = new SlidingWindowLimiter(s.outboundRatePerSecond)));
    limiter.setLimit(s.outboundRatePerSecond);
    // Requests are stamped on arrival and checked a little later; latency faults widen that gap.
    const horizonMs = s.latencyMs + s.latencyJitterMs + 5_000;
    const result = limiter.tryAcquire(at, horizonMs);
    if (result.ok) return;
    this.stats.rateLimited();
    this.stats.outboundRateLimited(tenantId, at);
    throw new DfoRateLimitedError(
      `Outbound rate limit exceeded: at most ${s.outboundRatePerSecond} messages per second for this tenant`,
      formatRetryAfter(result.retryAfterMs, s.retryAfterFormat),
    );
  }

  /** Throws a 429 if the contact's bucket is empty (takes nothing). */
  checkContact(contactNumber: string, now = this.clock.nowMs()): void {
    const result = this.bucket(contactNumber, now).peek(now, this.bucketLimits());
    if (!result.ok) this.refuseContact(contactNumber, result.retryAfterMs);
  }

  /** Takes one token from the contact's bucket, or throws a 429. */
  takeContact(contactNumber: string, now = this.clock.nowMs()): void {
    const result = this.bucket(contactNumber, now).take(now, this.bucketLimits());
    if (!result.ok) this.refuseContact(contactNumber, result.retryAfterMs);
  }

  /**
   * Takes one read from the tenant's "get contact" budget (contactReadsPerHour, burst contactReadBurst) at `at` (the
   * request's arrival time), or throws a 429. Admitted and refused reads are counted in the stats.
   */
  takeContactRead(tenantId: string, at: number): void {
    const s = this.settings.value;
    const limits: BucketLimits = { capacity: s.contactReadBurst, refillPerMinute: s.contactReadsPerHour / 60 };
    let bucket = this.contactReads.get(tenantId);
    if (!bucket) this.contactReads.set(tenantId, (bucket = new TokenBucket(limits, at)));
    const result = bucket.take(at, limits);
    this.stats.contactRead(tenantId, at, result.ok);
    if (result.ok) return;
    this.stats.rateLimited();
    throw new DfoRateLimitedError(
      `Contact read limit exceeded: at most ${s.contactReadsPerHour} contact reads per hour for this tenant`,
      formatRetryAfter(result.retryAfterMs, s.retryAfterFormat),
    );
  }

  clear(): void {
    this.outbound = new Map();
    this.contacts = new Map();
    this.contactReads = new Map();
  }

  private bucket(contactNumber: string, now: number): TokenBucket {
    let bucket = this.contacts.get(contactNumber);
    if (!bucket) this.contacts.set(contactNumber, (bucket = new TokenBucket(this.bucketLimits(), now)));
    return bucket;
  }

  private bucketLimits(): BucketLimits {
    const s = this.settings.value;
    return { capacity: s.contactBucketBurst, refillPerMinute: s.contactBucketRefillPerMinute };
  }

  private refuseContact(contactNumber: string, retryAfterMs: number): never {
    this.stats.rateLimited();
    throw new DfoRateLimitedError(
      `Too many updates of contact ${contactNumber}: its bucket is empty`,
      formatRetryAfter(retryAfterMs, this.settings.value.retryAfterFormat),
    );
  }
}
