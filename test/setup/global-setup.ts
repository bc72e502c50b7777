import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
// globalSetup runs outside Jest's module mapper: relative imports only.
// eslint-disable-next-line no-restricted-imports
import { migrate } from '../../src/infra/prisma/migrator';
import { databaseUrl, TEST_DATABASE_ADMIN_URL } from '../helpers/test-env';

const STALE_AFTER_S = 6 * 3600;

/**
 * Once per `jest` run: builds a template database from prisma/migrations (the same files production applies), from
 * which every test file clones its own fresh database. Databases left by runs that crashed hours ago are dropped.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  if (process.env.THREADLINE_TEST_RUN) return; // the other project of this run already did it
  const runId = `${Math.floor(Date.now() / 1000)}${randomBytes(2).toString('hex')}`;
  const template = `tl_test_${runId}_tpl`;
  await dropStaleDatabases();
  await migrate({
    databaseUrl: databaseUrl(template),
    migrationsDir: join(__dirname, '..', '..', 'prisma', 'migrations'),
  });
  process.env.THREADLINE_TEST_RUN = runId;
  process.env.THREADLINE_TEST_TEMPLATE = template;
}

async function dropStaleDatabases(): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'tl\\_test\\_%'",
    );
    const now = Date.now() / 1000;
    for (const { datname } of rows) {
      const started = Number(/^tl_test_(\d{10})/.exec(datname)?.[1] ?? now);
      if (now - started > STALE_AFTER_S) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
