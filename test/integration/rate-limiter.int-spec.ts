import type { Redis } from 'ioredis';
import { RateLimitWaitTooLongError, RedisRateLimiter } from '@/infra/rate-limit/rate-limiter';
import { maxInSlidingWindow } from '@/infra/rate-limit/window-stats';
import { compiled, ROOT, spawnNode } from '@test/helpers/process';
import { deleteKeys, testRedis, testRedisPrefix } from '@test/helpers/redis';
import { TEST_REDIS_URL } from '@test/helpers/test-env';
import { join } from 'node:path';

describe('RedisRateLimiter', () => {
  let redis: Redis;
  let prefix: string;
  let limiter: RedisRateLimiter;

  beforeAll(() => {
    redis = testRedis();
    prefix = testRedisPrefix();
    limiter = new RedisRateLimiter(redis, prefix);
  });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('never starts more than the limit in any sliding window, even when callers arrive all at once', async () => {
    const starts = await Promise.all(
      Array.from({ length: 60 }, () => limiter.acquire('burst', { limit: 20, spacingMs: 0 })),
    );

    const started = starts.map((s) => s.startedAtMs!);
    expect(started.filter((t) => typeof t !== 'number')).toEqual([]);
    expect(maxInSlidingWindow(started, 1000)).toBe(20);
    // With spacing 0 the first 20 start together; the next 20 only once a whole window (plus margin) has passed.
    const sorted = [...started].sort((a, b) => a - b);
    expect(sorted[20] - sorted[0]).toBeGreaterThanOrEqual(1000);
  });

  it('spreads the budget evenly by default (windowMs / limit apart)', async () => {
    const starts = await Promise.all(Array.from({ length: 30 }, () => limiter.acquire('even', { limit: 100 })));
    const sorted = starts.map((s) => s.startsAtMs).sort((a, b) => a - b);
    const gaps = sorted.slice(1).map((t, i) => t - sorted[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(10 - 0.001);
  });

  it('starts callers released together in one round trip each when their slots are under a millisecond away', async () => {
    // At 10,000/s the slots are 0.1 ms apart: eight callers at once reach slots 0-0.7 ms away, which no caller sleeps
    // for. Each starts in the script that reserves its slot, none needs the second call that confirms a start.
    const confirm = jest.spyOn(
      redis as unknown as { threadlineConfirmStart: () => Promise<unknown> },
      'threadlineConfirmStart',
    );
    try {
      const starts = await Promise.all(Array.from({ length: 8 }, () => limiter.acquire('released', { limit: 10_000 })));
      expect({
        confirmCalls: confirm.mock.calls.length,
        unstarted: starts.filter((s) => s.startedAtMs === undefined),
      }).toEqual({
        confirmCalls: 0,
        unstarted: [],
      });
      // the reservations keep their spacing, so callers after them are spaced as before
      const sorted = starts.map((s) => s.startsAtMs).sort((a, b) => a - b);
      expect(Math.min(...sorted.slice(1).map((t, i) => t - sorted[i]))).toBeGreaterThanOrEqual(0.1 - 0.001);
    } finally {
      confirm.mockRestore();
    }
  });

  it('keeps the bound across several processes sharing one Redis', async () => {
    const script = join(ROOT, 'test', 'fixtures', 'limiter-process.cjs');
    compiled('src/infra/rate-limit/rate-limiter.js');
    const procs = Array.from({ length: 4 }, () =>
      spawnNode(script, [TEST_REDIS_URL, prefix, 'shared', '50', '25', '10'], {}),
    );
    const outputs = await Promise.all(
      procs.map(async (p) => {
        const exit = await p.exited;
        if (exit.code !== 0) throw new Error(`limiter process failed:\n${p.output()}`);
        return JSON.parse(p.output()) as { starts: number[]; proceeded: number[] };
      }),
    );

    // the bound on when callers actually started (confirmed on Redis's clock), not on what they reserved
    const starts = outputs.flatMap((o) => o.starts);
    expect(starts.filter((t) => typeof t !== 'number')).toEqual([]);
    expect(starts).toHaveLength(100);
    expect(maxInSlidingWindow(starts, 1000)).toBeLessThanOrEqual(50);
  });

  it('holds the bound on actual starts even when callers wake late for their slot', async () => {
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        limiter
          .acquire(
            'late',
            { limit: 5, spacingMs: 0 },
            // every other caller is held up just before its slot, as a busy event loop would
            {
              beforeStart: {
                leadMs: 0,
                run: () => new Promise<boolean>((r) => setTimeout(() => r(true), i % 2 === 0 ? 80 : 0)),
              },
            },
          )
          .then((slot) => started.push(slot!.startedAtMs!)),
      ),
    );
    expect(started).toHaveLength(15);
    expect(maxInSlidingWindow(started, 1000)).toBeLessThanOrEqual(5);
  });

  it('gives callers whose slot fell into a block new, spaced slots after it instead of a burst', async () => {
    const pending = Array.from({ length: 10 }, () =>
      limiter.acquire('reblock', { limit: 20 }).then((slot) => slot.startedAtMs!),
    );
    // longer than all ten slots (50 ms apart): every caller that has not started yet must take a new one after it
    await limiter.block('reblock', 600);
    const blockEndsAt = Date.now() + 600; // the limiter's clock is Redis's, on this machine
    const starts = (await Promise.all(pending)).sort((a, b) => a - b);
    const afterBlock = starts.filter((t) => t >= blockEndsAt - 20);
    // most callers' slots fell into the block (an empty list would make the gap check below pass vacuously)
    expect(afterBlock.length).toBeGreaterThanOrEqual(5);
    const gaps = afterBlock.slice(1).map((t, i) => t - afterBlock[i]);
    // slots 50 ms apart; actual starts wobble by a few ms, a burst would put them together
    expect(gaps.filter((gap) => gap <= 25)).toEqual([]);
  });

  it('runs the last check again before a slot that replaced one a block voided, and starts nothing it refuses', async () => {
    const answers: boolean[] = [true, false];
    const checks: number[] = [];
    const acquiring = limiter.acquire(
      'recheck',
      { limit: 10 },
      {
        beforeStart: {
          leadMs: 0,
          run: async () => {
            checks.push(Date.now());
            // a 429 arrives right after the first check: the slot is void, and the caller must reserve again
            if (checks.length === 1) await limiter.block('recheck', 200);
            return answers.shift() ?? true;
          },
        },
      },
    );
    expect(await acquiring).toBeNull();
    expect(checks).toHaveLength(2);
    // the refused caller gave its slot back
    expect(await redis.zcard(`${prefix}:ratelimit:{recheck}:starts`)).toBe(0);
  });

  it('reserves nothing and says how long to wait when the next slot is too far away', async () => {
    await limiter.acquire('far', { limit: 1, windowMs: 10_000 });
    const error = await limiter
      .acquire('far', { limit: 1, windowMs: 10_000 }, { maxWaitMs: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitWaitTooLongError);
    expect((error as RateLimitWaitTooLongError).retryAfterMs).toBeGreaterThan(9000);
    expect(await redis.zcard(`${prefix}:ratelimit:{far}:slots`)).toBe(1);
  });

  it('starts nothing while blocked (a 429 with Retry-After)', async () => {
    const before = await limiter.reserve('blocked', { limit: 50 }, 10_000);
    await limiter.block('blocked', 500);
    expect(await limiter.blockedForMs('blocked')).toBeGreaterThan(400);

    const after = await limiter.reserve('blocked', { limit: 50 }, 10_000);

    expect(after.startsAtMs - before.startsAtMs).toBeGreaterThanOrEqual(480);
  });

  it('applies a changed limit at once', async () => {
    const fast = await Promise.all(
      Array.from({ length: 10 }, () => limiter.reserve('changing', { limit: 10, spacingMs: 0 }, 10_000)),
    );
    const slow = await Promise.all(
      Array.from({ length: 4 }, () => limiter.reserve('changing', { limit: 2, spacingMs: 0 }, 10_000)),
    );
    const slowSlots = slow.map((s) => s.startsAtMs);
    expect(maxInSlidingWindow(slowSlots, 1000)).toBe(2);
    expect(maxInSlidingWindow([...fast.map((s) => s.startsAtMs), ...slowSlots], 1000)).toBeLessThanOrEqual(10);
  });

  it('refuses a limit below 1', async () => {
    await expect(limiter.reserve('bad', { limit: 0 }, 1000)).rejects.toThrow(RangeError);
  });
});
