/**
 * One process of the limiter benchmark. Mode `threadline`: `concurrency` callers acquire from the shared Redis
 * limiter as fast as it lets them. Mode `bullmq`: a BullMQ worker with the built-in limiter {max, duration: 1000}
 * processes jobs that take 50 ms. Either way it records when work actually started and prints one JSON line.
 * argv: mode redisUrl prefix key limit concurrency durationMs
 */
import IORedis from 'ioredis';
import { Worker } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisRateLimiter } from '@/infra/rate-limit/rate-limiter';
import { redisOptionsFromUrl } from '@/infra/redis/redis-options';

const now = (): number => performance.timeOrigin + performance.now();

interface Recorded {
  /** Local time each caller went ahead (this process's clock). */
  started: number[];
  /** Each caller's start as the limiter confirmed it, on Redis's clock (what the sliding-window bound is kept on). */
  confirmed: number[];
}

async function threadline(
  redisUrl: string,
  prefix: string,
  key: string,
  limit: number,
  concurrency: number,
  durationMs: number,
): Promise<Recorded> {
  const redis = new IORedis(redisUrl);
  const limiter = new RedisRateLimiter(redis, prefix);
  const started: number[] = [];
  const confirmed: number[] = [];
  const until = now() + durationMs;
  const caller = async (): Promise<void> => {
    while (now() < until) {
      const slot = await limiter.acquire(key, { limit });
      if (slot.startsAtMs > until) break;
      started.push(now());
      confirmed.push(slot.startedAtMs!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  redis.disconnect();
  return { started, confirmed };
}

async function bullmq(
  redisUrl: string,
  prefix: string,
  queue: string,
  limit: number,
  concurrency: number,
  durationMs: number,
): Promise<Recorded> {
  const started: number[] = [];
  const worker = new Worker(
    queue,
    async () => {
      started.push(now());
      await sleep(50);
    },
    {
      connection: { ...redisOptionsFromUrl(redisUrl), maxRetriesPerRequest: null },
      prefix,
      concurrency,
      limiter: { max: limit, duration: 1000 },
    },
  );
  await sleep(durationMs);
  await worker.close(true);
  return { started, confirmed: [] };
}

async function main(): Promise<void> {
  const [mode, redisUrl, prefix, key, limit, concurrency, durationMs] = process.argv.slice(2);
  const run = mode === 'bullmq' ? bullmq : threadline;
  const result = await run(redisUrl, prefix, key, Number(limit), Number(concurrency), Number(durationMs));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
