/**
 * `npm run db:migrate`: applies pending migrations from prisma/migrations.
 *
 * With Prisma's native schema engine present (a normal online install, the Docker image) it runs
 * `prisma migrate deploy`; without it (offline installs) it applies the same files with the built-in migrator, which
 * writes `_prisma_migrations` the way Prisma does and takes Prisma's advisory lock. MIGRATION_ENGINE=prisma|builtin
 * forces one. Both are no-ops when nothing is pending.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AppConfig, ConfigError } from '@/config';
import { ensureDatabase, migrate } from '@/infra/prisma/migrator';
import { projectRoot } from '@/infra/project-root';

const ROOT = projectRoot();
const MIGRATIONS_DIR = join(ROOT, 'prisma', 'migrations');

function findSchemaEngine(config: AppConfig): string | undefined {
  const explicit = config.database.prismaSchemaEngineBinary;
  if (explicit && basename(explicit).startsWith('schema-engine') && existsSync(explicit)) return explicit;
  try {
    const enginesDir = dirname(require.resolve('@prisma/engines/package.json', { paths: [ROOT] }));
    const engine = readdirSync(enginesDir).find((f) => f.startsWith('schema-engine'));
    return engine ? join(enginesDir, engine) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const config = AppConfig.load();
  const engine = config.database.migrationEngine;
  const schemaEngine = engine === 'builtin' ? undefined : findSchemaEngine(config);
  if (engine === 'prisma' && !schemaEngine) {
    throw new Error(
      "MIGRATION_ENGINE=prisma but Prisma's schema engine is not installed (node_modules/@prisma/engines)",
    );
  }
  if (schemaEngine) {
    if (await ensureDatabase(config.database.url)) console.log('db:migrate: created the database');
    console.log('db:migrate: running prisma migrate deploy');
    const prismaCli = require.resolve('prisma/build/index.js', { paths: [ROOT] });
    const run = spawnSync(process.execPath, [prismaCli, 'migrate', 'deploy'], {
      cwd: ROOT,
      stdio: 'inherit',
      // eslint-disable-next-line no-restricted-properties -- the Prisma CLI child gets the operator's environment
      env: { ...process.env, DATABASE_URL: config.database.url, PRISMA_SCHEMA_ENGINE_BINARY: schemaEngine },
    });
    if (run.status !== 0) throw new Error(`prisma migrate deploy exited with ${run.status ?? run.signal}`);
    return;
  }
  const result = await migrate({
    databaseUrl: config.database.url,
    migrationsDir: MIGRATIONS_DIR,
    logger: { log: (m) => console.log(`db:migrate: ${m}`), warn: (m) => console.warn(`db:migrate: warning: ${m}`) },
  });
  console.log(
    result.applied.length === 0
      ? `db:migrate: nothing to apply (${result.alreadyApplied} migrations already applied)`
      : `db:migrate: applied ${result.applied.length} migration(s), ${result.alreadyApplied} were already applied`,
  );
}

main().catch((err: unknown) => {
  console.error(
    err instanceof ConfigError ? err.message : `db:migrate failed: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
