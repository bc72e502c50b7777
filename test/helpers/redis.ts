import { randomBytes } from 'node:crypto';
import IORedis, { Redis } from 'ioredis';
import { TEST_REDIS_URL, testRun } from './test-env';

/** A Redis key prefix (QUEUE_PREFIX) of this run, unique per call, so tests never see each other's keys. */
export function testRedisPrefix(): string {
  return `t${testRun().runId}${randomBytes(3).toString('hex')}`;
}

export function testRedis(): Redis {
  return new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
