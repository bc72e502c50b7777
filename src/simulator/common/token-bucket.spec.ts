import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  const limits = { capacity: 250, refillPerMinute: 17 };

  it('allows a burst of its capacity, then refuses with the time to the next token', () => {
    const bucket = new TokenBucket(limits, 0);
    const taken = Array.from({ length: 260 }, () => bucket.take(0, limits).ok).filter(Boolean);

    expect(taken).toHaveLength(250);
    const refused = bucket.take(0, limits);
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterMs).toBeCloseTo(60_000 / 17, 5);
  });

  it('refills at refillPerMinute, never above capacity', () => {
    const bucket = new TokenBucket({ capacity: 2, refillPerMinute: 60 }, 0);
    bucket.take(0, { capacity: 2, refillPerMinute: 60 });
    bucket.take(0, { capacity: 2, refillPerMinute: 60 });

    expect(bucket.take(500, { capacity: 2, refillPerMinute: 60 }).ok).toBe(false);
    expect(bucket.take(1000, { capacity: 2, refillPerMinute: 60 }).ok).toBe(true);
    expect(bucket.available(1_000_000, { capacity: 2, refillPerMinute: 60 })).toBe(2);
  });

  it('peeks without taking', () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerMinute: 0 }, 0);

    expect(bucket.peek(0, { capacity: 1, refillPerMinute: 0 }).ok).toBe(true);
    expect(bucket.take(0, { capacity: 1, refillPerMinute: 0 }).ok).toBe(true);
    expect(bucket.peek(10, { capacity: 1, refillPerMinute: 0 })).toEqual({ ok: false, retryAfterMs: Infinity });
  });

  it('clamps to a lowered capacity', () => {
    const bucket = new TokenBucket({ capacity: 10, refillPerMinute: 0 }, 0);

    expect(bucket.available(0, { capacity: 3, refillPerMinute: 0 })).toBe(3);
  });
});
