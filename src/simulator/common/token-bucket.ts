/**
 * A token bucket (DFO's "update specific contact" limit: burst 250, refill 17 per minute). Capacity and refill rate are
 * passed on every call so a run-time settings change applies at once; lowering the capacity clamps the tokens.
 */
export interface BucketLimits {
  capacity: number;
  refillPerMinute: number;
}

export interface TakeResult {
  ok: boolean;
  /** When refused: ms until one token is available (Infinity when the bucket never refills). */
  retryAfterMs: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(limits: BucketLimits, now: number) {
    this.tokens = limits.capacity;
    this.updatedAt = now;
  }

  /** Whether one token could be taken now, without taking it. */
  peek(now: number, limits: BucketLimits): TakeResult {
    this.refill(now, limits);
    if (this.tokens >= 1) return { ok: true, retryAfterMs: 0 };
    const perMs = limits.refillPerMinute / 60_000;
    return { ok: false, retryAfterMs: perMs > 0 ? (1 - this.tokens) / perMs : Infinity };
  }

  take(now: number, limits: BucketLimits): TakeResult {
    const result = this.peek(now, limits);
    if (result.ok) this.tokens -= 1;
    return result;
  }

  available(now: number, limits: BucketLimits): number {
    this.refill(now, limits);
    return this.tokens;
  }

  private refill(now: number, limits: BucketLimits): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(limits.capacity, this.tokens + (elapsed * limits.refillPerMinute) / 60_000);
    this.updatedAt = Math.max(this.updatedAt, now);
  }
}
