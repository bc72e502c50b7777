/**
 * Where the tests find PostgreSQL and Redis. Defaults match the development machine (PostgreSQL on 127.0.0.1:5432
 * with trust auth, Redis on 127.0.0.1:6379); override with TEST_DATABASE_ADMIN_URL / TEST_REDIS_URL.
 */
export const TEST_DATABASE_ADMIN_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Set by the global setup: this run's id and the template database built from prisma/migrations. */
export function testRun(): { runId: string; templateDatabase: string } {
  const runId = process.env.THREADLINE_TEST_RUN;
  const templateDatabase = process.env.THREADLINE_TEST_TEMPLATE;
  if (!runId || !templateDatabase) throw new Error('the integration/e2e global setup did not run');
  return { runId, templateDatabase };
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
