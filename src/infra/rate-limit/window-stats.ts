/** Statistics over event timestamps (ms), used by tests, the simulator's report and the benchmarks. */

/** The largest number of events in any half-open window [t, t + windowMs). */
export function maxInSlidingWindow(timestampsMs: readonly number[], windowMs = 1000): number {
  const sorted = [...timestampsMs].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Mean events per second between the first and the last event. */
export function meanRatePerSecond(timestampsMs: readonly number[]): number {
  if (timestampsMs.length < 2) return timestampsMs.length;
  const { first, last } = bounds(timestampsMs);
  return last === first ? timestampsMs.length : ((timestampsMs.length - 1) * 1000) / (last - first);
}

/** Events per calendar second, counting from the first event. */
export function perSecondCounts(timestampsMs: readonly number[]): number[] {
  if (timestampsMs.length === 0) return [];
  const { first } = bounds(timestampsMs);
  const counts: number[] = [];
  for (const t of timestampsMs) {
    const bucket = Math.floor((t - first) / 1000);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
  return Array.from(counts, (c) => c ?? 0);
}

function bounds(values: readonly number[]): { first: number; last: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const v of values) {
    if (v < first) first = v;
    if (v > last) last = v;
  }
  return { first, last };
}
