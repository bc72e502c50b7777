import { Inject, Injectable } from '@nestjs/common';
import { SimSettings } from '@/simulator/state/sim-settings';

/** Where the jitter's randomness and waiting come from (replaceable when embedding the simulator, e.g. in tests). */
export interface JitterSource {
  /** A number in [0, 1), like Math.random. */
  random(): number;
  sleep(ms: number): Promise<void>;
}

export const JITTER_SOURCE = 'CXONE_SIMULATOR_JITTER_SOURCE';

/**
 * Math.random and an unref'd timer: a request waiting out its jitter does not hold the process open (the listening
 * server does, while it runs).
 */
export const DEFAULT_JITTER_SOURCE: JitterSource = {
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
};

/** One request's arrival delay: uniform in [0, maxMs) from `random` ([0, 1)); 0 without drawing when maxMs is 0. */
export function jitterDelayMs(maxMs: number, random: () => number): number {
  return maxMs > 0 ? random() * maxMs : 0;
}

/**
 * Network jitter in front of the simulator (arrivalJitterMs): each CXone-facing request waits a uniform random
 * 0..arrivalJitterMs before the simulator "sees" it, i.e. before its arrival time is stamped, it is logged and any
 * limit counts it. So requests sent in one order may arrive in another, as over a real network.
 */
@Injectable()
export class ArrivalJitter {
  constructor(
    private readonly settings: SimSettings,
    @Inject(JITTER_SOURCE) private readonly source: JitterSource,
  ) {}

  /** The wait for one request, or null when there is none (no timer, no extra tick). */
  beforeArrival(): Promise<void> | null {
    const delay = jitterDelayMs(this.settings.value.arrivalJitterMs, () => this.source.random());
    return delay > 0 ? this.source.sleep(delay) : null;
  }
}
