import {
  allRecipients,
  Campaign,
  createCampaign,
  getCampaign,
  phones,
  registerChannel,
  waitForCampaign,
} from '@test/factories/campaigns';
import { createTestDatabase, TestDatabase } from '@test/helpers/database';
import { eventually } from '@test/helpers/eventually';
import { HttpClient } from '@test/helpers/http';
import { compiled, RunningProcess, spawnApp, spawnNode } from '@test/helpers/process';
import { deleteKeys, testRedis, testRedisPrefix } from '@test/helpers/redis';
import { TEST_REDIS_URL } from '@test/helpers/test-env';

interface SimRequest {
  status: number;
  body?: { idOnExternalPlatform?: string };
}

const CONCURRENCY = 10;

/**
 * The service as deployed: a simulator, an api process and worker processes, each its own OS process, sharing
 * PostgreSQL and Redis. Workers are killed and stopped mid-campaign.
 */
describe('dispatch across processes', () => {
  let db: TestDatabase;
  let prefix: string;
  let sim: RunningProcess;
  let control: HttpClient;
  let api: RunningProcess;
  let admin: HttpClient;
  let env: Record<string, string>;
  const workers: RunningProcess[] = [];
  let channel: { id: string };

  const startWorker = async (): Promise<RunningProcess> => {
    const { proc } = await spawnApp({ ...env, APP_ROLE: 'worker' });
    await proc.waitFor(/dispatch worker started/);
    workers.push(proc);
    return proc;
  };
  const accepted = async (): Promise<SimRequest[]> =>
    (await control.get<SimRequest[]>('/sim/requests?operation=outbound')).body.filter((r) => r.status === 200);

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    // The simulator stores repeats (no dedupe), so every duplicate send is counted.
    sim = spawnNode(compiled('src/simulator/main.js'), [], {
      SIMULATOR_PORT: '0',
      SIMULATOR_DEDUPE_MESSAGES: 'false',
      SIMULATOR_LATENCY_MS: '50',
      LOG_LEVEL: 'info',
    });
    const simUrl = (await sim.waitFor(/listening on (http:\/\/[^"\s]+)/))[1];
    control = new HttpClient(simUrl);
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      SIMULATOR_URL: simUrl,
      SIMULATOR_EMBEDDED: 'false',
      DISPATCH_CONCURRENCY: String(CONCURRENCY),
      DISPATCH_LOCK_DURATION_MS: '2000',
      SWEEPER_INTERVAL_MS: '60000',
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
  });

  afterAll(async () => {
    for (const p of [api, sim].filter((p): p is RunningProcess => p !== undefined)) {
      p.kill('SIGKILL');
      await p.exited;
    }
    await db.drop();
    const redis = testRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  beforeEach(() => control.post('/sim/reset'));
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.kill('SIGTERM');
      await w.exited;
    }
  });

  it('loses nothing and repeats at most the in-flight sends when a worker is killed with SIGKILL mid-campaign', async () => {
    const first = await startWorker();
    const campaign = await createCampaign(admin, {
      channelId: channel.id,
      start: true,
      recipients: phones(200).map((to) => ({ to })),
    });
    await eventually(accepted, (r) => r.length >= 40, { what: '40 sends before the kill' });

    first.kill('SIGKILL');
    await first.exited;
    await startWorker();
    const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);

    // every accepted recipient ends in exactly one terminal state
    expect(done.counts).toMatchObject({ total: 200, sent: 200, pending: 0, queued: 0, sending: 0 });
    const recipients = await allRecipients(admin, campaign.id);
    expect(recipients.filter((r) => r.status !== 'SENT')).toEqual([]);
    // CXone got every message; repeats only for what the killed worker had in flight
    const received = (await accepted()).map((r) => r.body?.idOnExternalPlatform);
    const distinct = new Set(received);
    expect(distinct.size).toBe(200);
    expect(received.length - distinct.size).toBeLessThanOrEqual(CONCURRENCY);
  });

  it('on SIGTERM lets in-flight sends finish, leaves nothing half-sent, and another worker finishes the campaign', async () => {
    const worker = await startWorker();
    const campaign: Campaign = await createCampaign(admin, {
      channelId: channel.id,
      start: true,
      recipients: phones(120).map((to) => ({ to })),
    });
    await eventually(accepted, (r) => r.length >= 20, { what: '20 sends before stopping' });

    worker.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });

    const stopped = await getCampaign(admin, campaign.id);
    expect(stopped.counts.sending).toBe(0);
    expect(stopped.counts.sent).toBeLessThan(120);
    await startWorker();
    const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);
    expect(done.counts).toMatchObject({ total: 120, sent: 120 });
    const received = (await accepted()).map((r) => r.body?.idOnExternalPlatform);
    expect(received).toHaveLength(120);
    expect(new Set(received).size).toBe(120);
  });
});
