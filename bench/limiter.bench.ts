import { Queue } from 'bullmq';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import type { AppConfig } from '@/config';
import { maxInSlidingWindow, meanRatePerSecond } from '@/infra/rate-limit/window-stats';
import { redisOptionsFromUrl } from '@/infra/redis/redis-options';
import { printTable, recordResult, round } from './lib/results';

const run = promisify(execFile);
const LIMIT = 40;
const DURATION_MS = 20_000;
const PROCESSES = 3;

interface Recorded {
  started: number[];
  confirmed: number[];
}

/** Starts PROCESSES copies of limiter-process.js and merges what they recorded. */
async function inProcesses(
  mode: 'threadline' | 'bullmq',
  redisUrl: string,
  prefix: string,
  key: string,
  concurrency: number,
): Promise<Recorded> {
  const script = join(__dirname, 'limiter-process.js');
  const outputs = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      run(
        process.execPath,
        [script, mode, redisUrl, prefix, key, String(LIMIT), String(concurrency), String(DURATION_MS)],
        {
          maxBuffer: 64 * 1024 * 1024,
        },
      ),
    ),
  );
  const parsed = outputs.map((o) => JSON.parse(o.stdout) as Recorded);
  return { started: parsed.flatMap((p) => p.started), confirmed: parsed.flatMap((p) => p.confirmed) };
}

/**
 * The shared limiter vs BullMQ's built-in limiter, N=40/s for 20 s each, three processes each: achieved rate and the
 * worst sliding one-second window of actual starts.
 */
export async function limiterBenchmark(config: AppConfig): Promise<void> {
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const redis = new IORedis(config.redis.url);
  try {
    const ours = await inProcesses('threadline', config.redis.url, prefix, 'limiter', 20);

    const queueName = 'bench-bullmq-limiter';
    const queue = new Queue(queueName, {
      connection: { ...redisOptionsFromUrl(config.redis.url), maxRetriesPerRequest: null },
      prefix,
    });
    await queue.addBulk(
      Array.from({ length: LIMIT * (DURATION_MS / 1000) * 2 + 200 }, (_, i) => ({ name: 'job', data: { i } })),
    );
    const theirs = await inProcesses('bullmq', config.redis.url, prefix, queueName, 50);
    await queue.obliterate({ force: true });
    await queue.close();

    const result = {
      limit: LIMIT,
      meanPerSecond: round(meanRatePerSecond(ours.started), 2),
      worstSlidingSecond: maxInSlidingWindow(ours.started),
      bullmqWorstSlidingSecond: maxInSlidingWindow(theirs.started),
    };
    printTable(`limiter: N=${LIMIT}/s, ${PROCESSES} processes, ${DURATION_MS / 1000} s each`, [
      {
        limiter: 'threadline (Redis sliding window)',
        starts: ours.started.length,
        meanPerSecond: result.meanPerSecond,
        worstSlidingSecond: result.worstSlidingSecond,
        worstSlidingSecondConfirmedStarts: maxInSlidingWindow(ours.confirmed),
      },
      {
        limiter: `bullmq limiter {max: ${LIMIT}, duration: 1000}`,
        starts: theirs.started.length,
        meanPerSecond: round(meanRatePerSecond(theirs.started), 2),
        worstSlidingSecond: result.bullmqWorstSlidingSecond,
        worstSlidingSecondConfirmedStarts: '-',
      },
    ]);
    recordResult('limiter', result);
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}
