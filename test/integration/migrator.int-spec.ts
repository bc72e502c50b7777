import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksumOf, migrate, MigrationError, readMigrations } from '@/infra/prisma/migrator';
import { adminQuery, unusedDatabaseName, withClient } from '@test/helpers/database';
import { databaseUrl } from '@test/helpers/test-env';

const MIGRATIONS = join(__dirname, '..', '..', 'prisma', 'migrations');

interface Row {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  logs: string | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

const rows = (url: string): Promise<Row[]> =>
  withClient(url, async (c) => (await c.query<Row>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).rows);

describe('the built-in migrator', () => {
  const created: string[] = [];
  const newDatabase = (): string => {
    const name = unusedDatabaseName();
    created.push(name);
    return databaseUrl(name);
  };
  afterAll(async () => {
    for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('creates the database, the schema and _prisma_migrations rows as prisma migrate deploy writes them', async () => {
    const url = newDatabase();
    const result = await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS });

    const files = readMigrations(MIGRATIONS);
    expect(result.createdDatabase).toBe(true);
    expect(result.applied).toEqual(files.map((f) => f.name));
    const recorded = await rows(url);
    expect(
      recorded.map((r) => [r.migration_name, r.checksum, r.applied_steps_count, r.logs, r.rolled_back_at]),
    ).toEqual(files.map((f) => [f.name, checksumOf(f.sql), 1, null, null]));
    expect(
      recorded
        .filter((r) => !(r.finished_at instanceof Date && /^[0-9a-f-]{36}$/.test(r.id)))
        .map((r) => ({ migration: r.migration_name, id: r.id, finished_at: r.finished_at })),
    ).toEqual([]);
    const tables = await withClient(url, async (c) =>
      (await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map(
        (r) => r.tablename,
      ),
    );
    expect(tables).toEqual(
      expect.arrayContaining(['api_key', 'channel', 'campaign', 'campaign_recipient', 'contact', 'message', 'thread']),
    );
  });

  it('changes nothing when run again', async () => {
    const url = newDatabase();
    await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS });
    const before = await rows(url);

    const again = await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS });

    expect(again).toEqual({ applied: [], alreadyApplied: before.length, createdDatabase: false });
    expect(await rows(url)).toEqual(before);
  });

  it('lets only one of two replicas starting together apply the migrations', async () => {
    const url = newDatabase();
    await adminQuery(`CREATE DATABASE "${new URL(url).pathname.slice(1)}"`);

    const [a, b] = await Promise.all([
      migrate({ databaseUrl: url, migrationsDir: MIGRATIONS }),
      migrate({ databaseUrl: url, migrationsDir: MIGRATIONS }),
    ]);

    const count = readMigrations(MIGRATIONS).length;
    expect(a.applied.length + b.applied.length).toBe(count);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, count]);
    expect(await rows(url)).toHaveLength(count);
  });

  describe('with a migration that fails', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'tl-migrations-'));
      mkdirSync(join(dir, '20260101000000_good'));
      writeFileSync(join(dir, '20260101000000_good', 'migration.sql'), 'CREATE TABLE good (id int);');
      mkdirSync(join(dir, '20260102000000_bad'));
      writeFileSync(
        join(dir, '20260102000000_bad', 'migration.sql'),
        'CREATE TABLE half (id int);\nSELECT no_such_function();',
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('records the failure as Prisma does, leaves nothing half-applied, and refuses to go on', async () => {
      const url = newDatabase();
      await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(
        /20260102000000_bad failed: .*no_such_function/,
      );

      const recorded = await rows(url);
      expect(recorded.map((r) => [r.migration_name, r.finished_at === null, r.logs !== null])).toEqual([
        ['20260101000000_good', false, false],
        ['20260102000000_bad', true, true],
      ]);
      const half = await withClient(
        url,
        async (c) => (await c.query("SELECT to_regclass('half') AS t")).rows[0] as { t: string | null },
      );
      expect(half.t).toBeNull();

      await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(MigrationError);
      await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(/P3009/);
    });
  });
});
