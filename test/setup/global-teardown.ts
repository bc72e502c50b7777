import IORedis from 'ioredis';
import { Client } from 'pg';
import { TEST_DATABASE_ADMIN_URL, TEST_REDIS_URL } from '../helpers/test-env';

/** Drops every database and Redis key this run created (the last project to finish does it). */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.THREADLINE_TEST_RUN;
  if (!runId) return;
  const client = new Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `tl\\_test\\_${runId}\\_%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  const redis = new IORedis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `t${runId}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
