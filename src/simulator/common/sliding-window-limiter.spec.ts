import { maxInSlidingWindow } from '@/infra/rate-limit/window-stats';
import { SlidingWindowLimiter } from './sliding-window-limiter';

describe('SlidingWindowLimiter', () => {
  it('admits the limit at once, then nothing until the first event is a whole window old', () => {
    const limiter = new SlidingWindowLimiter(40);
    const admitted = Array.from({ length: 60 }, (_, i) => limiter.tryAcquire(i).ok).filter(Boolean);

    expect(admitted).toHaveLength(40);
    expect(limiter.tryAcquire(999).ok).toBe(false);
    expect(limiter.tryAcquire(1000).ok).toBe(true); // event 0 left the window [1, 1001)
  });

  it('never lets 2× the limit through around a boundary (unlike a fixed window)', () => {
    const limiter = new SlidingWindowLimiter(40);
    const accepted: number[] = [];
    // 40 requests at t = 900..939 ms, then a burst of 80 at t = 1000..1079 ms.
    for (let t = 900; t < 940; t++) if (limiter.tryAcquire(t).ok) accepted.push(t);
    for (let t = 1000; t < 1080; t++) if (limiter.tryAcquire(t).ok) accepted.push(t);

    expect(accepted).toHaveLength(40);
    expect(maxInSlidingWindow(accepted, 1000)).toBe(40);
  });

  it('keeps the bound for timestamps that arrive slightly out of order', () => {
    const limiter = new SlidingWindowLimiter(10);
    const accepted: number[] = [];
    const times = Array.from({ length: 500 }, (_, i) => i * 20 + ((i * 7919) % 13) - 6); // jittered, unsorted
    for (const t of times) if (limiter.tryAcquire(t, 100).ok) accepted.push(t);

    expect(maxInSlidingWindow(accepted, 1000)).toBeLessThanOrEqual(10);
    expect(accepted.length).toBeGreaterThan(90); // ~10 per second over ~10 s
  });

  it('refuses a late event that would overfill a window it belongs to', () => {
    const limiter = new SlidingWindowLimiter(2);
    expect(limiter.tryAcquire(500).ok).toBe(true);
    expect(limiter.tryAcquire(1200).ok).toBe(true);

    // 900 shares a window with both 500 and 1200
    expect(limiter.tryAcquire(900, 1000).ok).toBe(false);
    expect(limiter.tryAcquire(1600, 1000).ok).toBe(true); // [1200, 1600]
  });

  it('says how long until the next slot', () => {
    const limiter = new SlidingWindowLimiter(2);
    limiter.tryAcquire(0);
    limiter.tryAcquire(300);

    expect(limiter.tryAcquire(400)).toEqual({ ok: false, retryAfterMs: 600 });
  });

  it('applies a new limit at once and forgets old events', () => {
    const limiter = new SlidingWindowLimiter(1);
    expect(limiter.tryAcquire(0).ok).toBe(true);
    limiter.setLimit(3);
    expect(limiter.tryAcquire(1).ok).toBe(true);

    for (let t = 0; t < 100_000; t += 500) limiter.tryAcquire(t);
    expect(limiter.size).toBeLessThanOrEqual(4);
  });
});
