import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Applies Prisma migrations (prisma/migrations/<timestamp>_<name>/migration.sql) without Prisma's native schema
 * engine, writing `_prisma_migrations` exactly as `prisma migrate deploy` does, so either tool can take over from the
 * other. It holds Prisma's own advisory lock while it works, so it also excludes a concurrent `prisma migrate deploy`
 * and a second replica starting at the same time.
 */

/** The advisory lock key `prisma migrate` takes on PostgreSQL. */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  /** SHA-256 of migration.sql as hex, as Prisma records it. */
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  createdDatabase: boolean;
}

export interface MigrateLogger {
  log(message: string): void;
  warn(message: string): void;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) throw new MigrationError(`no migrations folder at ${migrationsDir}`);
  return readdirSync(migrationsDir)
    .filter((entry) => statSync(join(migrationsDir, entry)).isDirectory())
    .sort()
    .map((name) => {
      const file = join(migrationsDir, name, 'migration.sql');
      if (!existsSync(file)) throw new MigrationError(`migration ${name} has no migration.sql`);
      const sql = readFileSync(file, 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Creates the database named in `databaseUrl` when it does not exist (connecting to the `postgres` database). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new MigrationError('DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return true;
    } catch (err) {
      // 42P04 duplicate_database: another replica created it between our check and our CREATE.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
  } finally {
    await client.end();
  }
}

/** Applies every pending migration in order; a no-op when nothing is pending. */
export async function migrate(options: {
  databaseUrl: string;
  migrationsDir: string;
  logger?: MigrateLogger;
  createDatabase?: boolean;
}): Promise<MigrateResult> {
  const logger = options.logger ?? { log: () => undefined, warn: () => undefined };
  const migrations = readMigrations(options.migrationsDir);
  const createdDatabase = options.createDatabase === false ? false : await ensureDatabase(options.databaseUrl);
  if (createdDatabase) logger.log(`created database ${new URL(options.databaseUrl).pathname.slice(1)}`);

  const client = new Client({ connectionString: options.databaseUrl, application_name: 'threadline-migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    try {
      await client.query(MIGRATIONS_TABLE_DDL);
      const { rows } = await client.query<AppliedRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
      );
      const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(
          `migration ${failed.migration_name} failed earlier and was not resolved (Prisma error P3009); ` +
            `fix the database, then mark it with \`prisma migrate resolve --rolled-back ${failed.migration_name}\` ` +
            `or delete its row from _prisma_migrations`,
        );
      }
      const applied = new Map(
        rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]),
      );
      const known = new Set(migrations.map((m) => m.name));
      for (const name of applied.keys()) {
        if (!known.has(name))
          logger.warn(`migration ${name} is recorded in the database but missing from ${options.migrationsDir}`);
      }

      const result: MigrateResult = { applied: [], alreadyApplied: 0, createdDatabase };
      for (const migration of migrations) {
        const row = applied.get(migration.name);
        if (row) {
          result.alreadyApplied++;
          if (
            row.checksum !== migration.checksum &&
            row.checksum !== checksumOf(migration.sql.replace(/\n/g, '\r\n'))
          ) {
            logger.warn(`migration ${migration.name} was modified after it was applied (checksum differs)`);
          }
          continue;
        }
        await applyOne(client, migration);
        logger.log(`applied migration ${migration.name}`);
        result.applied.push(migration.name);
      }
      return result;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function applyOne(client: Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query(
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, migration.checksum, migration.name],
  );
  // Unlike Prisma, run the script in a transaction: PostgreSQL DDL is transactional, so a failure leaves nothing
  // half-applied. The failure is still recorded the way Prisma records it (finished_at NULL, logs set).
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
    throw new MigrationError(`migration ${migration.name} failed: ${message}`);
  }
}
