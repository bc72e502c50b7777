import { Logger } from '@nestjs/common';
import { AppConfig } from '@/config';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { AdaptiveMargin, MarginState, MarginStore } from './adaptive-margin';
import { DispatchMetrics } from './dispatch.metrics';
import { FakeClock } from './testing/dispatch-fakes';

/** Redis as seen by several processes: one versioned state per key. */
class MemoryMarginStore implements MarginStore {
  readonly states = new Map<string, { state: MarginState; version: number }>();
  reads = 0;
  failing = false;

  read(key: string): Promise<{ state: MarginState; version: number } | null> {
    this.reads++;
    if (this.failing) return Promise.reject(new Error('connection refused'));
    const stored = this.states.get(key);
    return Promise.resolve(stored ? { state: { ...stored.state }, version: stored.version } : null);
  }

  write(key: string, version: number, state: MarginState): Promise<boolean> {
    if (this.failing) return Promise.reject(new Error('connection refused'));
    if ((this.states.get(key)?.version ?? 0) !== version) return Promise.resolve(false);
    this.states.set(key, { state: { ...state }, version: version + 1 });
    return Promise.resolve(true);
  }
}

const ACCOUNT = 'acc-1';
const KEY = `cxone:${ACCOUNT}:outbound`;
/** Lets the background refresh a call started finish (the in-memory store answers at once). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('AdaptiveMargin', () => {
  let clock: FakeClock;
  let store: MemoryMarginStore;
  let logs: string[];

  beforeEach(() => {
    clock = new FakeClock();
    store = new MemoryMarginStore();
    logs = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      logs.push(String(message));
    });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  function process(env: Record<string, string> = {}): { margin: AdaptiveMargin; metrics: MetricsService } {
    const metrics = new MetricsService();
    const margin = new AdaptiveMargin(store, 'tl', AppConfig.load(env), clock, new DispatchMetrics(metrics));
    return { margin, metrics };
  }

  /** What the next send uses once any refresh it started has finished. */
  async function current(margin: AdaptiveMargin): Promise<number> {
    await margin.marginMs(ACCOUNT, KEY);
    await settle();
    return margin.marginMs(ACCOUNT, KEY);
  }

  /** Moves time on in one-second steps with sends all along. */
  async function sendFor(margin: AdaptiveMargin, ms: number): Promise<number> {
    for (let t = 0; t < ms; t += 1000) {
      clock.nowMs += 1000;
      await current(margin);
    }
    return current(margin);
  }

  it('keeps the configured margin when CXone never refuses', async () => {
    const { margin } = process();

    expect(await current(margin)).toBe(20);
    expect(await sendFor(margin, 10 * 60_000)).toBe(20);
    expect(logs).toEqual([]);
  });

  /**
   * A burst of 429s `gapMs` after the previous one: several sends under way, one more while the account pauses (the
   * clock ends 1.5 s after the burst began).
   */
  async function burst(margin: AdaptiveMargin, gapMs = 3000): Promise<void> {
    clock.nowMs += gapMs;
    await Promise.all([
      margin.rateLimited(ACCOUNT, KEY, 1000),
      margin.rateLimited(ACCOUNT, KEY, 1000),
      margin.rateLimited(ACCOUNT, KEY, 1000),
    ]);
    clock.nowMs += 5;
    await margin.rateLimited(ACCOUNT, KEY, 1000);
    clock.nowMs += 1500;
    await margin.rateLimited(ACCOUNT, KEY, 1000);
  }

  it('widens once per burst of 429s when bursts repeat, and not for an isolated one', async () => {
    const { margin } = process();
    await current(margin);

    await burst(margin);
    const afterFirst = await current(margin);
    await burst(margin, 3000);
    const afterSecond = await current(margin);
    await burst(margin, 3000);
    const afterThird = await current(margin);
    await burst(margin, 10_001); // long after the previous burst: only a pause
    const afterIsolated = await current(margin);

    expect([afterFirst, afterSecond, afterThird, afterIsolated]).toEqual([20, 40, 60, 60]);
    expect(logs).toEqual([
      `account ${ACCOUNT}: CXone answered 429, rate-limit margin widened 20 → 40 ms`,
      `account ${ACCOUNT}: CXone answered 429, rate-limit margin widened 40 → 60 ms`,
    ]);
  });

  it('narrows step by step after quiet periods, not back into a margin that drew a 429 until that is forgotten', async () => {
    const { margin } = process();
    await current(margin);
    await burst(margin);
    await burst(margin); // 20 too narrow → 40
    await burst(margin); // 40 too narrow → 60
    logs.length = 0;

    const afterQuiet = await sendFor(margin, 30_000);
    const afterTwo = await sendFor(margin, 30_000);
    const afterFiveMinutes = await sendFor(margin, 4 * 60_000);
    const afterTenMinutes = await sendFor(margin, 5 * 60_000);

    expect(afterQuiet).toBe(55);
    expect(afterTwo).toBe(50);
    expect(afterFiveMinutes).toBe(45); // 40 drew a 429 less than 10 minutes ago
    expect(afterTenMinutes).toBe(40); // 10 minutes after the 429 at 40 ms
    expect(logs[0]).toBe(`account ${ACCOUNT}: no 429 for 30 s, rate-limit margin narrowed 60 → 55 ms`);
    expect(logs).toHaveLength(4);
  });

  it('returns to the configured margin once the jitter is gone', async () => {
    const { margin } = process();
    await current(margin);
    await burst(margin);
    await burst(margin);

    expect(await sendFor(margin, 60 * 60_000)).toBe(20);
  });

  it('settles a little above what the network needs instead of running away to the cap', async () => {
    const { margin } = process();
    // CXone refuses whenever the margin is below 47 ms (30 ms of arrival jitter plus the network's own): each second
    // with a narrower margin draws a 429 and a pause.
    const needsMs = 47;
    let rateLimited = 0;
    let widenedInFirstTenMinutes = 0;
    for (let second = 0; second < 3600; second++) {
      clock.nowMs += 1000;
      if ((await current(margin)) < needsMs) {
        rateLimited++;
        await margin.rateLimited(ACCOUNT, KEY, 1000);
      }
      if (second === 600) widenedInFirstTenMinutes = logs.filter((l) => l.includes('widened')).length;
    }
    const widenedLater = logs.filter((l) => l.includes('widened')).length - widenedInFirstTenMinutes;

    const settled = await current(margin);
    expect(settled).toBeGreaterThanOrEqual(needsMs);
    expect(settled).toBeLessThanOrEqual(needsMs + 20);
    // after the first ten minutes, at most one probe below the margin that settled per memory period (10 minutes),
    // each a pause or two
    expect(widenedLater).toBeLessThanOrEqual(5);
    expect(rateLimited).toBeLessThanOrEqual(40);
  });

  it('does not run away on rare 429s that no margin cures (a stall on either side every 20 s)', async () => {
    const { margin } = process();
    for (let second = 0; second < 600; second++) {
      clock.nowMs += 1000;
      await current(margin);
      if (second % 20 === 0) await margin.rateLimited(ACCOUNT, KEY, 1000);
    }

    expect(await current(margin)).toBe(20);
  });

  it('stops at RATE_LIMIT_MARGIN_MAX_MS, and stays fixed when that equals the floor', async () => {
    const capped = process({ RATE_LIMIT_MARGIN_MAX_MS: '70' }).margin;
    for (let i = 0; i < 10; i++) {
      clock.nowMs += 5000;
      await capped.rateLimited(ACCOUNT, KEY, 1000);
    }
    expect(await current(capped)).toBe(70);

    store.states.clear();
    const fixed = process({ RATE_LIMIT_MARGIN_MS: '30', RATE_LIMIT_MARGIN_MAX_MS: '30' }).margin;
    await burst(fixed);
    await burst(fixed);
    expect(await current(fixed)).toBe(30);
  });

  it('shares the learned margin between processes, each reading it at most once a second', async () => {
    const a = process();
    const b = process();
    await current(a.margin);
    await burst(a.margin);
    clock.nowMs += 3000;
    await current(b.margin);

    await a.margin.rateLimited(ACCOUNT, KEY, 1000); // a second burst: wider, while b's cached margin is fresh
    const readsBefore = store.reads;
    const bWithinTheSecond = [];
    for (let i = 0; i < 100; i++) bWithinTheSecond.push(await b.margin.marginMs(ACCOUNT, KEY));
    await settle();
    const readsWithinTheSecond = store.reads - readsBefore;
    clock.nowMs += 1000;
    const bNext = await current(b.margin);

    expect(new Set(bWithinTheSecond)).toEqual(new Set([20]));
    expect(readsWithinTheSecond).toBe(0);
    expect(bNext).toBe(40);
    expect(await a.metrics.registry.getSingleMetricAsString('threadline_dispatch_rate_limit_margin_ms')).toContain(
      `threadline_dispatch_rate_limit_margin_ms{account="${ACCOUNT}"} 40`,
    );
    // a 429 seen by both in the same burst widens once, logged by the process that widened
    await b.margin.rateLimited(ACCOUNT, KEY, 1000);
    expect(await current(b.margin)).toBe(40);
    expect(logs).toHaveLength(1);
  });

  it('keeps sending on the margin it has while Redis does not answer', async () => {
    const { margin } = process();
    await current(margin);
    await burst(margin);
    await burst(margin);
    store.failing = true;

    clock.nowMs += 1000;
    const during = await current(margin);
    await margin.rateLimited(ACCOUNT, KEY, 1000);
    store.failing = false;
    clock.nowMs += 1000;

    expect(during).toBe(40);
    expect(await current(margin)).toBe(40);
  });
});
