/**
 * A strict sliding-log limiter: an event is admitted only if, with it, no window of `windowMs` holds more than `limit`
 * events (two events share a window when they are less than `windowMs` apart, as in maxInSlidingWindow). Unlike a
 * fixed window or a token bucket with burst = limit, it never lets 2×limit through around a boundary.
 *
 * Timestamps may arrive slightly out of order (a request is stamped on arrival but checked after its body is parsed
 * or after injected latency), so admission checks every window that contains the new event, not only the one ending
 * at it. Written by hand: the rate-limiting libraries available keep fixed windows or buckets, not a strict log.
 */
export interface AcquireResult {
  ok: boolean;
  /** When rejected: how long until an event at this time would fit (ms, ≥ 0). */
  retryAfterMs: number;
}

export class SlidingWindowLimiter {
  private times: number[] = [];
  private head = 0;
  private latest = -Infinity;

  constructor(
    private limit: number,
    private readonly windowMs = 1000,
  ) {}

  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** Events currently remembered (for tests and diagnostics). */
  get size(): number {
    return this.times.length - this.head;
  }

  /**
   * Admits an event at `t` if every window containing it stays within the limit. `horizonMs` is how far out of order
   * a timestamp may come (older events are forgotten after windowMs + horizonMs).
   */
  tryAcquire(t: number, horizonMs = 0): AcquireResult {
    this.prune(Math.max(this.latest, t) - this.windowMs - Math.max(0, horizonMs));
    const times = this.times;
    const insertAt = this.upperBound(t);
    const w = this.windowMs;

    // Candidate window starts: existing events in (t - w, t], and t itself. For each start s the window [s, s + w)
    // holds the events in that range plus the new one.
    const start = this.lowerBoundAbove(t - w);
    let end = start;
    let worst = 0;
    for (let s = start; s <= insertAt; s++) {
      const from = s < insertAt ? times[s] : t;
      if (end < s) end = s;
      while (end < times.length && times[end] < from + w) end++;
      // events in [from, from + w): (end - s) existing, plus the new one (t ≥ from and t < from + w always holds)
      worst = Math.max(worst, end - s + 1);
      if (worst > this.limit) break;
    }

    if (worst > this.limit) return { ok: false, retryAfterMs: this.retryAfter(t, insertAt) };
    if (insertAt === times.length) times.push(t);
    else times.splice(insertAt, 0, t);
    if (t > this.latest) this.latest = t;
    return { ok: true, retryAfterMs: 0 };
  }

  clear(): void {
    this.times = [];
    this.head = 0;
    this.latest = -Infinity;
  }

  /** For events up to t: the earliest time at which the window ending there holds fewer than `limit` events. */
  private retryAfter(t: number, insertAt: number): number {
    const from = this.lowerBoundAbove(t - this.windowMs);
    const inWindow = insertAt - from;
    if (inWindow < this.limit) return this.windowMs; // crowded by events after t: about one window
    const oldestThatMustLeave = this.times[insertAt - this.limit];
    return Math.max(0, oldestThatMustLeave + this.windowMs - t);
  }

  private prune(before: number): void {
    while (this.head < this.times.length && this.times[this.head] < before) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** First index (≥ head) whose time is > x. */
  private lowerBoundAbove(x: number): number {
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Index where t is inserted after equal values. */
  private upperBound(t: number): number {
    if (this.times.length === this.head || this.times[this.times.length - 1] <= t) return this.times.length;
    return this.lowerBoundAbove(t);
  }
}
