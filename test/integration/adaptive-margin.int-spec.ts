import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '@/config';
import { MetricsService } from '@/infra/metrics/metrics.service';
import {
  AdaptiveMargin,
  initialMarginState,
  marginKey,
  MarginState,
  RedisMarginStore,
} from '@/modules/dispatch/adaptive-margin';
import { DispatchMetrics } from '@/modules/dispatch/dispatch.metrics';
import { FakeClock } from '@/modules/dispatch/testing/dispatch-fakes';
import { eventually } from '@test/helpers/eventually';
import { deleteKeys, testRedis, testRedisPrefix } from '@test/helpers/redis';

describe('AdaptiveMargin on Redis', () => {
  const config = AppConfig.load({});
  let connections: Redis[];
  let prefix: string;

  beforeAll(() => {
    // two "processes": each its own connection
    connections = [testRedis(), testRedis()];
    prefix = testRedisPrefix();
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await deleteKeys(connections[0], prefix);
    for (const c of connections) c.disconnect();
  });

  it('stores one versioned state per account, and lets only one of two racing writers win', async () => {
    const [a, b] = connections.map((c) => new RedisMarginStore(c));
    const key = marginKey(prefix, 'cxone:race:outbound');
    const state: MarginState = { ...initialMarginState(config.dispatch.rateLimitMargin), marginMs: 40 };

    const before = await a.read(key);
    const first = await a.write(key, 0, state);
    const stale = await b.write(key, 0, { ...state, marginMs: 99 });
    const read = await b.read(key);
    const racing = await Promise.all([
      a.write(key, 1, { ...state, marginMs: 60 }),
      b.write(key, 1, { ...state, marginMs: 70 }),
    ]);
    const after = await a.read(key);

    expect(before).toBeNull();
    expect([first, stale]).toEqual([true, false]);
    expect(read).toEqual({ state, version: 1 });
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect(after?.version).toBe(2);
    expect(after?.state.marginMs).toBe(racing[0] ? 60 : 70);
    const ttlMs = await connections[0].pttl(key);
    expect(ttlMs).toBeGreaterThan(23 * 3600_000);
  });

  it('widens the margin of every process on repeated bursts of 429s, once per burst', async () => {
    const clock = new FakeClock();
    const [a, b] = connections.map(
      (c) =>
        new AdaptiveMargin(new RedisMarginStore(c), prefix, config, clock, new DispatchMetrics(new MetricsService())),
    );
    const key = 'cxone:shared:outbound';
    await a.marginMs('shared', key);
    await b.marginMs('shared', key);

    // a burst seen by both, then another one 3 s later (a margin too narrow draws 429s every few seconds)
    await Promise.all([a.rateLimited('shared', key, 1000), b.rateLimited('shared', key, 1000)]);
    clock.nowMs += 3000;
    await Promise.all([a.rateLimited('shared', key, 1000), b.rateLimited('shared', key, 1000)]);
    clock.nowMs += 1000;
    // b's next sends start the once-a-second refresh in the background and soon use what a (or b) learned
    const bMargin = await eventually(
      () => b.marginMs('shared', key),
      (ms) => ms !== 20,
      { what: 'b to pick up the widened margin' },
    );

    expect(await a.marginMs('shared', key)).toBe(40);
    expect(bMargin).toBe(40);
    const stored = await new RedisMarginStore(connections[0]).read(marginKey(prefix, key));
    expect(stored?.state.marginMs).toBe(40);
  });
});
