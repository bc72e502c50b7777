import {
  allRecipients,
  createCampaign,
  getCampaign,
  phones,
  registerChannel,
  waitForCampaign,
} from '@test/factories/campaigns';
import { adminQuery, createTestDatabase, TestDatabase } from '@test/helpers/database';
import { eventually } from '@test/helpers/eventually';
import { HttpClient } from '@test/helpers/http';
import { PrivateRedis } from '@test/helpers/private-redis';
import { compiled, RunningProcess, spawnApp, spawnNode } from '@test/helpers/process';

interface SimRequest {
  status: number;
  body?: { idOnExternalPlatform?: string };
}

const CONCURRENCY = 10;

/**
 * The service as deployed (separate simulator, api and worker processes) with faults injected into what it depends
 * on: Redis restarted empty, a worker killed, PostgreSQL dropping every connection. Nothing is restarted by hand; the
 * promise is that every recipient ends in exactly one final state, with repeats bounded by what was in flight.
 */
describe('faults in what the service depends on', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let sim: RunningProcess;
  let control: HttpClient;
  let api: RunningProcess;
  let admin: HttpClient;
  let env: Record<string, string>;
  const workers: RunningProcess[] = [];
  let channel: { id: string; accountId: string };

  const startWorker = async (): Promise<RunningProcess> => {
    const { proc } = await spawnApp({ ...env, APP_ROLE: 'worker', PORT: '0' });
    await proc.waitFor(/dispatch worker started/);
    workers.push(proc);
    return proc;
  };
  const accepted = async (): Promise<SimRequest[]> =>
    (await control.get<SimRequest[]>('/sim/requests?operation=outbound&limit=100000')).body.filter(
      (r) => r.status === 200,
    );
  const outputLines = (p: RunningProcess): string[] => p.output().split('\n').filter(Boolean);

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await PrivateRedis.start();
    // The simulator stores repeats (no dedupe), so every duplicate send is counted.
    sim = spawnNode(compiled('src/simulator/main.js'), [], {
      SIMULATOR_PORT: '0',
      SIMULATOR_DEDUPE_MESSAGES: 'false',
      SIMULATOR_LATENCY_MS: '20',
      SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000',
      LOG_LEVEL: 'info',
    });
    const simUrl = (await sim.waitFor(/listening on (http:\/\/[^"\s]+)/))[1];
    control = new HttpClient(simUrl);
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'faults',
      SIMULATOR_URL: simUrl,
      SIMULATOR_EMBEDDED: 'false',
      DISPATCH_CONCURRENCY: String(CONCURRENCY),
      DISPATCH_LOCK_DURATION_MS: '2000',
      DISPATCH_RETRY_BASE_MS: '200',
      // the routine sweep (and so the Redis checks, a third of it) every 3 s
      SWEEPER_INTERVAL_MS: '3000',
      LOG_LEVEL: 'info',
    };
    const started = await spawnApp({ ...env, APP_ROLE: 'api' });
    api = started.proc;
    const created = spawnNode(
      compiled('src/cli/threadline.js'),
      ['api-key', 'create', '--name', 'e2e', '--scopes', 'admin'],
      env,
    );
    await created.exited;
    admin = new HttpClient(started.url, {
      authorization: `Bearer ${(JSON.parse(created.output()) as { key: string }).key}`,
    });
    channel = await registerChannel(admin, 'sms_threadline_dev');
    await admin.patch(`/api/v1/accounts/${channel.accountId}`, { rateLimitPerSecond: 100 });
  });

  afterAll(async () => {
    for (const p of [...workers, api, sim].filter((p): p is RunningProcess => p !== undefined)) {
      p.kill('SIGKILL');
      await p.exited;
    }
    await redis?.down();
    await db.drop();
  });

  beforeEach(() => control.post('/sim/reset'));
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.kill('SIGTERM');
      await w.exited;
    }
  });

  it('heals by itself when Redis comes back empty mid-campaign: the campaign completes, nothing is restarted', async () => {
    const worker = await startWorker();
    const campaign = await createCampaign(admin, {
      channelId: channel.id,
      start: true,
      recipients: phones(600).map((to) => ({ to })),
    });
    await eventually(accepted, (r) => r.length >= 100, { what: '100 sends before Redis is lost' });

    await redis.restartEmpty();
    await worker.waitFor(/Redis lost its data/, 20_000);
    const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 90_000);

    expect(done.counts).toMatchObject({ total: 600, sent: 600 });
    const received = (await accepted()).map((r) => r.body?.idOnExternalPlatform);
    expect(new Set(received).size).toBe(600);
    // the jobs that were running when Redis went away may run again: at most what one worker had in flight
    expect(received.length - new Set(received).size).toBeLessThanOrEqual(CONCURRENCY);
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).toMatch(/dispatch rebuilt from PostgreSQL after Redis lost its data/);
  });

  it('while Redis is down, answers campaign reads from PostgreSQL, reports not-ready at once, and logs only JSON', async () => {
    const worker = await startWorker();
    // a campaign that is still running when Redis goes away (its send rate is the figure Redis holds)
    await admin.patch(`/api/v1/accounts/${channel.accountId}`, { rateLimitPerSecond: 1 });
    const campaign = await createCampaign(admin, {
      channelId: channel.id,
      start: true,
      recipients: phones(5).map((to) => ({ to })),
    });
    await redis.down();
    try {
      await api.waitFor(/Redis error/, 10_000);
      const read = await admin.get<{ counts: { total: number }; progress: { sendRatePerSecond: number | null } }>(
        `/api/v1/campaigns/${campaign.id}`,
        {},
        AbortSignal.timeout(3000),
      );
      expect({
        status: read.status,
        total: read.body.counts.total,
        rate: read.body.progress.sendRatePerSecond,
      }).toEqual({ status: 200, total: 5, rate: null });
      const ready = await fetch(new URL('/health/ready', admin.baseUrl), { signal: AbortSignal.timeout(1500) });
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { details?: { details?: { redis?: { status: string } } } };
      expect(body.details?.details?.redis?.status).toBe('down');
      await worker.waitFor(/Redis error/, 10_000);
    } finally {
      await redis.up();
    }
    await api.waitFor(/Redis reachable again/, 20_000);
    await admin.patch(`/api/v1/accounts/${channel.accountId}`, { rateLimitPerSecond: 100 });
    // its sends must not spill into the next test
    await waitForCampaign(admin, campaign.id, 'COMPLETED', 30_000);
    const notJson = [api, worker].flatMap(outputLines).filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  });

  it('finishes a campaign through a worker SIGKILL, a PostgreSQL connection drop and an empty Redis restart', async () => {
    const [first] = [await startWorker(), await startWorker()];
    const campaign = await createCampaign(admin, {
      channelId: channel.id,
      start: true,
      recipients: phones(800).map((to) => ({ to })),
    });
    await eventually(accepted, (r) => r.length >= 100, { what: '100 sends before the first fault' });
    first.kill('SIGKILL');
    await first.exited;

    await eventually(accepted, (r) => r.length >= 250, { what: '250 sends before PostgreSQL drops its connections' });
    await adminQuery(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`,
    );

    await eventually(accepted, (r) => r.length >= 400, { what: '400 sends before Redis is lost' });
    await redis.restartEmpty();

    const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 120_000);
    expect(done.counts).toMatchObject({ total: 800, sent: 800 });
    const notFinal = (await allRecipients(admin, campaign.id)).filter((r) => r.status !== 'SENT');
    expect(notFinal).toEqual([]);
    const received = (await accepted()).map((r) => r.body?.idOnExternalPlatform);
    expect(new Set(received).size).toBe(800);
    // three faults, each repeating at most what was in flight across both workers
    expect(received.length - new Set(received).size).toBeLessThanOrEqual(3 * 2 * CONCURRENCY);
    expect(workers[1].child.exitCode).toBeNull();
    expect((await getCampaign(admin, campaign.id)).status).toBe('COMPLETED');
  });
});
