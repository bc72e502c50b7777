import { createCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { withClient, createTestDatabase, TestDatabase, unusedDatabaseName, adminQuery } from '@test/helpers/database';
import { HttpClient } from '@test/helpers/http';
import { compiled, RunningProcess, spawnApp, spawnNode } from '@test/helpers/process';
import { RawConnection } from '@test/helpers/raw-http';
import { deleteKeys, testRedis, testRedisPrefix } from '@test/helpers/redis';
import { databaseUrl, TEST_REDIS_URL } from '@test/helpers/test-env';

/** Runs a compiled CLI to completion and returns its exit code and output. */
async function runCli(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const proc = spawnNode(compiled(script), args, env);
  const exit = await proc.exited;
  return { code: exit.code, output: proc.output() };
}

describe('npm run db:migrate (dist/src/cli/db-migrate.js)', () => {
  const name = unusedDatabaseName();
  afterAll(() => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));

  it('creates the database and schema on first run and changes nothing on the second', async () => {
    const env = { DATABASE_URL: databaseUrl(name), MIGRATION_ENGINE: 'builtin' };
    const first = await runCli('src/cli/db-migrate.js', [], env);
    expect(first.code).toBe(0);
    expect(first.output).toContain('created database');
    expect(first.output).toMatch(/applied \d+ migration/);
    const before = await withClient(
      databaseUrl(name),
      async (c) => (await c.query<Record<string, unknown>>('SELECT * FROM "_prisma_migrations"')).rows,
    );

    const second = await runCli('src/cli/db-migrate.js', [], env);
    expect(second.code).toBe(0);
    expect(second.output).toContain('nothing to apply');
    expect(
      await withClient(
        databaseUrl(name),
        async (c) => (await c.query<Record<string, unknown>>('SELECT * FROM "_prisma_migrations"')).rows,
      ),
    ).toEqual(before);
  });
});

describe('the started service', () => {
  let db: TestDatabase;
  let prefix: string;
  let env: Record<string, string>;
  let proc: RunningProcess;
  let http: HttpClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    env = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
    const started = await spawnApp(env);
    proc = started.proc;
    http = new HttpClient(started.url);
  });
  afterAll(async () => {
    proc.kill('SIGKILL');
    await proc.exited;
    await db.drop();
    const redis = testRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('is ready when PostgreSQL and Redis answer', async () => {
    const res = await http.get<{ status: string; details: Record<string, { status: string }> }>('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.details).toMatchObject({
      database: { status: 'up' },
      redis: { status: 'up' },
      process: { status: 'up' },
    });
    expect((await http.get('/health/live')).status).toBe(200);
  });

  it('serves the OpenAPI page and document', async () => {
    const page = await http.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('swagger-ui-bundle.js');
    expect((await http.get('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    const doc = await http.get<{ openapi: string; paths: Record<string, unknown> }>('/docs/json');
    expect(doc.body.paths).toHaveProperty('/api/v1/api-keys');
  });

  it('exposes Prometheus metrics', async () => {
    const res = await http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('threadline_http_request_duration_seconds');
  });

  it('answers 401 JSON without a key and 403 with a key lacking the scope', async () => {
    const anonymous = await http.get<{ statusCode: number; requestId: string }>('/api/v1/api-keys');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/json');
    expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });

    const created = await runCli(
      'src/cli/threadline.js',
      ['api-key', 'create', '--name', 'reader', '--scopes', 'campaigns:read'],
      env,
    );
    expect(created.code).toBe(0);
    const { key } = JSON.parse(created.output) as { key: string };
    const res = await http.get<{ message: string }>('/api/v1/api-keys', { authorization: `Bearer ${key}` });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('keys:admin');
  });

  it('writes JSON logs without secrets', async () => {
    await http.get('/api/v1/api-keys', { authorization: 'Bearer tl_secret-that-must-not-be-logged' });
    await proc.waitFor(/"statusCode":401/);
    expect(proc.output()).not.toContain('tl_secret-that-must-not-be-logged');
    // every line the process wrote, not only those that look like JSON
    const notJson = proc
      .output()
      .split('\n')
      .filter(Boolean)
      .filter((line) => {
        try {
          return typeof JSON.parse(line) !== 'object';
        } catch {
          return true;
        }
      });
    expect(notJson).toEqual([]);
  });
});

describe('stopping and misconfiguration', () => {
  let db: TestDatabase;
  let prefix: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
  });
  afterAll(async () => {
    await db.drop();
    const redis = testRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('exits cleanly on SIGTERM', async () => {
    const { proc, url } = await spawnApp({ DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix });
    expect((await new HttpClient(url).get('/health/ready')).status).toBe(200);

    proc.kill('SIGTERM');
    const exit = await proc.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(proc.output()).toContain('shutdown complete');
  });

  it('exits cleanly on SIGTERM right after an early answer to an upload, its keep-alive connection still open', async () => {
    const env = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, SHUTDOWN_TIMEOUT_MS: '5000' };
    const { proc, url } = await spawnApp(env);
    const created = await runCli(
      'src/cli/threadline.js',
      ['api-key', 'create', '--name', 'up', '--scopes', 'admin'],
      env,
    );
    const { key } = JSON.parse(created.output) as { key: string };
    const admin = new HttpClient(url).withHeaders({ authorization: `Bearer ${key}` });
    const campaign = await createCampaign(admin, { channelId: (await registerChannel(admin, 'sms_sigterm')).id });
    const csv = `to,name\n${phones(1)[0]},${'n'.repeat(1_000_000)}\n`;
    const connection = await RawConnection.open(url);
    try {
      connection.write(
        `POST /api/v1/campaigns/${campaign.id}/recipients HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${key}\r\n` +
          `Content-Type: text/csv\r\nContent-Length: ${Buffer.byteLength(csv)}\r\n\r\n${csv}`,
      );
      expect((await connection.nextResponse())?.status).toBe(400);

      proc.kill('SIGTERM');
      const exit = await proc.exited;

      expect({ exit, output: proc.output().slice(-500) }).toEqual({
        exit: { code: 0, signal: null },
        output: expect.stringContaining('shutdown complete') as string,
      });
    } finally {
      connection.close();
      proc.kill('SIGKILL');
    }
  });

  it('refuses to boot on an invalid value, naming the variable', async () => {
    const proc = spawnNode(compiled('src/main.js'), [], {
      DATABASE_URL: db.url,
      PORT: 'eighty',
      APP_ROLE: 'everything',
    });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    expect(proc.output()).toContain('Invalid configuration');
    expect(proc.output()).toMatch(/PORT .*\(got "eighty"\)/);
    expect(proc.output()).toContain('APP_ROLE must be one of: api, worker, all (got "everything")');
  });

  it('runs only /health and /metrics in the worker role', async () => {
    const { proc, url } = await spawnApp({
      APP_ROLE: 'worker',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      DOCS_ENABLED: 'true',
    });
    try {
      const http = new HttpClient(url);
      expect((await http.get('/health/ready')).status).toBe(200);
      const metrics = await http.get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('threadline_http_request_duration_seconds');
      // No API, no OpenAPI page or document, no console or widget files, no CXone callbacks: the api role's.
      for (const path of [
        '/api/v1/api-keys',
        '/api/v1/campaigns',
        '/docs',
        '/docs/json',
        '/console/',
        '/widget/demo/',
        '/integration/box/default/outbound',
        '/webhooks/cxone/default',
      ]) {
        expect([path, (await http.get(path)).status]).toEqual([path, 404]);
      }
      expect(proc.output()).toContain('worker started for queue housekeeping');
    } finally {
      proc.kill('SIGTERM');
      await proc.exited;
    }
  });
});
