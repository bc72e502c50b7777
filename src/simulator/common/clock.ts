/**
 * Wall-clock milliseconds with sub-millisecond precision (performance.timeOrigin + performance.now()). Request
 * timestamps, the outbound limiter and the statistics all use this one clock, so "at most N in any sliding second"
 * can be checked against what /sim/requests reports.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/** Resolves after `ms` milliseconds (0 resolves on the next macrotask). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
