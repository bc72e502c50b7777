import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrl, TEST_DATABASE_ADMIN_URL, testRun } from './test-env';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database cloned from this run's migrated template (a few hundred ms). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { runId, templateDatabase } = testRun();
  const name = `tl_test_${runId}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase}"`);
  return { name, url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** A name for a database that does not exist yet (for tests of creating one). */
export function unusedDatabaseName(): string {
  return `tl_test_${testRun().runId}_${randomBytes(4).toString('hex')}`;
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs `fn` with a client connected to `url`. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
