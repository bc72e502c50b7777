import { Injectable } from '@nestjs/common';

/**
 * Real wall-clock milliseconds with sub-millisecond precision (performance.timeOrigin + performance.now()): monotonic
 * within a process, unlike Date.now(). For measuring how long something took; what time it is in the simulated
 * tenant is SimClock's business.
 */
export function realNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The longest single POST /sim/clock advance: 400 days. */
export const MAX_CLOCK_ADVANCE_MS = 400 * 86_400_000;
/** How far ahead of real time the clock may be in all (100 years): dates stay well inside what Date can show. */
export const MAX_CLOCK_OFFSET_MS = 36_525 * 86_400_000;

/**
 * The simulated tenant's clock: real time plus an offset that only moves forward (POST /sim/clock) until a reset
 * puts it back to 0. Everything in the simulator that asks "what time is it" asks this clock: token and one-time
 * token expiry, the limiters and buckets, the WhatsApp window, message, contact and event times, request-log arrival
 * times and the statistics. Waiting (latency, jitter, hangs, webhook retry backoff) stays on real timers.
 *
 * A provider, not module state, so two simulators in one process keep their own offsets. Sub-millisecond and
 * monotonic between resets (realNowMs plus a non-decreasing offset), so request-log `at` keeps its order.
 */
@Injectable()
export class SimClock {
  private offset = 0;

  /** Simulated epoch ms, sub-ms precision. */
  nowMs(): number {
    return realNowMs() + this.offset;
  }

  /** The simulated time as ISO-8601 (millisecond precision). */
  nowIso(): string {
    return isoAt(this.nowMs());
  }

  /** How far the clock is ahead of real time (ms). */
  get offsetMs(): number {
    return this.offset;
  }

  /** Moves the clock forward by `ms` (a positive integer; the resulting offset at most MAX_CLOCK_OFFSET_MS). */
  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError(`the clock moves forward by whole ms, not ${ms}`);
    if (this.offset + ms > MAX_CLOCK_OFFSET_MS) {
      throw new RangeError(`the clock can be at most ${MAX_CLOCK_OFFSET_MS} ms ahead of real time`);
    }
    this.offset += ms;
  }

  /** Back to real time. */
  reset(): void {
    this.offset = 0;
  }
}

export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/** Resolves after `ms` milliseconds of real time (0 resolves on the next macrotask). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
