import IORedis from 'ioredis';
import { LiveEvents } from '@/infra/live/live-events';
import { LocalRedisCluster } from '@/infra/redis/local-redis-cluster';
import { RedisService } from '@/infra/redis/redis.service';
import { ByocTokens } from '@/modules/byoc/byoc-tokens';
import { ProgressService } from '@/modules/dispatch/progress.service';
import { allRecipients, createCampaign, phones, registerChannel, waitForCampaign } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

const RATE = 10;
const RECIPIENTS = 30;

interface SimRequest {
  status: number | null;
  at: number;
  body?: { recipients?: Array<{ idOnExternalPlatform: string }> };
}

const hasRedis = LocalRedisCluster.available();
if (!hasRedis) {
  console.warn('redis-cluster.int-spec: redis-server/redis-cli not installed, skipping the Redis Cluster test');
}

(hasRedis ? describe : describe.skip)('Threadline on a 3-node Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start(3);
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: String(RATE) });
    t = await startTestApp({ ...sim.appEnv, REDIS_CLUSTER_NODES: cluster.nodesSetting, SWEEPER_INTERVAL_MS: '60000' });
    admin = await t.clientWithScopes('admin');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sim?.close();
    await cluster?.stop();
  });

  it('sends every recipient once, within the rate, with its queues and limiter on the cluster', async () => {
    const sms = await registerChannel(admin, 'sms_threadline_dev');
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: RATE });
    const to = phones(RECIPIENTS);
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: to.map((p) => ({ to: p })),
    });

    const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);

    expect(done.counts).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, failed: 0 });
    expect((await allRecipients(admin, campaign.id)).filter((r) => r.status !== 'SENT')).toEqual([]);
    const requests = (await sim.control.get<SimRequest[]>('/sim/requests?operation=outbound')).body;
    const sent = requests.filter((r) => r.status === 200);
    const accepted = sent.map((r) => r.body?.recipients?.[0]?.idOnExternalPlatform);
    expect(accepted).toHaveLength(RECIPIENTS);
    expect(new Set(accepted)).toEqual(new Set(to));
    const stats = (await sim.control.get<{ outbound: { worstSlidingSecond: number } }>('/sim/stats')).body;
    expect(stats.outbound.worstSlidingSecond).toBeLessThanOrEqual(RATE);

    // the campaign's per-second counters are read in one MGET (null if their keys were in different slots)
    const lastAt = Math.max(...sent.map((r) => r.at));
    expect(await t.app.get(ProgressService).sendRate(campaign.id, lastAt + 2000)).toBeGreaterThan(0);

    // the work really went through the cluster: the campaign's queue and limiter keys live on its nodes
    const keys = await clusterKeys(cluster, `${t.config.redis.prefix}:*`);
    expect({
      limiter: keys.filter((k) => k.includes(':ratelimit:{')).length > 0,
      queue: keys.filter((k) => /:\{dispatch-[^}]+\}:dispatch-/.test(k)).length > 0,
      seen: keys.slice(0, 20),
    }).toEqual({ limiter: true, queue: true, seen: expect.any(Array) as unknown[] });
  }, 90_000);

  it('issues, accepts and revokes BYOC bearer tokens (a transaction and a DEL over several keys)', async () => {
    const tokens = t.app.get(ByocTokens);
    const principal = { kind: 'cxone' as const, callbackClientId: 'client-1', channelId: null, integrationId: null };
    const issued = await Promise.all([tokens.issue(principal), tokens.issue(principal)]);
    expect(await tokens.verify(issued[0].accessToken)).toEqual(principal);

    await tokens.revokeAll('client-1');

    expect(await Promise.all(issued.map((i) => tokens.verify(i.accessToken)))).toEqual([null, null]);
  });

  it('delivers live events from one subscriber connection to another through the cluster', async () => {
    const listener = new LiveEvents(t.app.get(RedisService));
    const publisher = new LiveEvents(t.app.get(RedisService));
    try {
      const heard = new Promise<unknown>((resolve) => listener.subscribe('cluster-topic', resolve));
      expect(await listener.subscribed('cluster-topic', 10_000)).toBe(true);
      await publisher.publish('cluster-topic', { hello: 'cluster' });
      expect(await heard).toEqual({ hello: 'cluster' });
    } finally {
      await listener.onApplicationShutdown();
      await publisher.onApplicationShutdown();
    }
  });
});

/** Every key matching `pattern` on any node of the cluster. */
async function clusterKeys(cluster: LocalRedisCluster, pattern: string): Promise<string[]> {
  const all: string[] = [];
  for (const port of cluster.ports) {
    const node = new IORedis({ host: '127.0.0.1', port });
    try {
      all.push(...(await node.keys(pattern)));
    } finally {
      node.disconnect();
    }
  }
  return all;
}
