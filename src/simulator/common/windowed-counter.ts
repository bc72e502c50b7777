/**
 * Counts events in total and within the last `windowMs` (e.g. contact reads in the last hour). Keeps the times of
 * the events still inside the window, oldest first, and drops the rest as time moves on, so memory follows the
 * rate, not the total.
 */
export class WindowedCounter {
  total = 0;
  private times: number[] = [];
  private head = 0;

  constructor(readonly windowMs: number) {}

  add(at: number): void {
    this.total++;
    this.times.push(at);
    this.prune(at);
  }

  /** Events whose time is within (now - windowMs, now]. */
  inWindow(now: number): number {
    this.prune(now);
    let count = 0;
    for (let i = this.head; i < this.times.length; i++) if (this.times[i] <= now) count++;
    return count;
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && this.times[this.head] <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
