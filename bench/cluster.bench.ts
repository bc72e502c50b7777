import axios, { AxiosInstance } from 'axios';
import type { AppConfig } from '@/config';
import { LocalRedisCluster } from '@/infra/redis/local-redis-cluster';
import { BenchProcess, BenchStack } from './lib/stack';
import { printTable, recordResult, round } from './lib/results';

const RECIPIENTS = 1_200;
const CONTRACT_RATE = 40;
const DISPATCH_CONCURRENCY = 50;
const TEXT = 'Storm update: your flight BA123 is cancelled. Reply HELP to talk to us.';

interface SimStats {
  outbound: {
    accepted: number;
    rateLimited: number;
    worstSlidingSecond: number;
    firstAt: number | null;
    lastAt: number | null;
  };
}

interface CampaignView {
  id: string;
  status: string;
  counts: { total: number; sent: number; failed: number };
}

interface Adherence {
  worstSlidingSecond: number;
  meanPerSecond: number;
  rateLimited: number;
}

/**
 * `cluster`: a campaign of RECIPIENTS at 40/s against the simulator's strict 40/s, (1) with the api and worker on a
 * throw-away 3-node Redis Cluster, and (2) on the ordinary single Redis with 2 api and 3 worker processes (campaign
 * created through one api, started through the other). Records `cluster.*` and `multiProcess.*`.
 */
export async function clusterBenchmarks(config: AppConfig): Promise<void> {
  const cluster = await LocalRedisCluster.start(3);
  let onCluster: CampaignRun;
  try {
    onCluster = await runCampaign(new BenchStack(config, { redisClusterNodes: cluster.nodesSetting }), 1, 1);
  } finally {
    await cluster.stop();
  }
  // the same run on the single Redis, right after, so the cluster's figures have a side-by-side reference
  const onSingle = await runCampaign(new BenchStack(config), 1, 1);
  printTable(
    `cluster: ${RECIPIENTS} recipients at ${CONTRACT_RATE}/s, 1 api + 1 worker, simulator strict at ${CONTRACT_RATE}/s`,
    [
      { redis: '3-node Redis Cluster', ...onCluster.adherence, sent: onCluster.sent, seconds: onCluster.seconds },
      { redis: 'single Redis (reference)', ...onSingle.adherence, sent: onSingle.sent, seconds: onSingle.seconds },
    ],
  );
  recordResult('cluster', {
    ...onCluster.adherence,
    singleRedisMeanPerSecond: onSingle.adherence.meanPerSecond,
    singleRedisRateLimited: onSingle.adherence.rateLimited,
  });

  const multi = await runCampaign(new BenchStack(config), 2, 3);
  printTable(
    `multiProcess: ${RECIPIENTS} recipients at ${CONTRACT_RATE}/s, 2 api + 3 worker processes on one Redis, simulator strict at ${CONTRACT_RATE}/s`,
    [{ ...multi.adherence, sent: multi.sent, seconds: multi.seconds }],
  );
  recordResult('multiProcess', { ...multi.adherence });
}

interface CampaignRun {
  adherence: Adherence;
  sent: number;
  seconds: number;
}

/** One campaign through `apis` api and `workers` worker processes; created through the first api, started through the last. */
async function runCampaign(stack: BenchStack, apis: number, workers: number): Promise<CampaignRun> {
  await stack.migrate();
  try {
    const sim = await stack.start('simulator', 'src/simulator/main.js', {
      LOG_LEVEL: 'info',
      SIMULATOR_OUTBOUND_RATE_PER_SECOND: String(CONTRACT_RATE),
      SIMULATOR_MIDDLEWARE_URL: 'http://127.0.0.1:9/none',
    });
    const control = axios.create({ baseURL: sim.url });
    const appEnv = stack.env({ SIMULATOR_URL: sim.url, SIMULATOR_EMBEDDED: 'false' });
    const apiProcesses: BenchProcess[] = [];
    for (let i = 0; i < apis; i++)
      apiProcesses.push(await stack.start(`api-${i}`, 'src/main.js', { ...appEnv, APP_ROLE: 'api' }));
    const key = (
      JSON.parse(await stack.cli(['api-key', 'create', '--name', 'bench', '--scopes', 'admin'])) as { key: string }
    ).key;
    const clients = apiProcesses.map((api) =>
      axios.create({ baseURL: api.url, headers: { authorization: `Bearer ${key}` }, maxBodyLength: Infinity }),
    );
    const first = clients[0];
    const last = clients[clients.length - 1];
    const channel = (
      await first.post<{ id: string; accountId: string }>('/api/v1/channels', {
        cxoneChannelId: 'sms_threadline_dev',
        kind: 'SMS',
        name: 'bench sms',
      })
    ).data;
    await first.patch(`/api/v1/accounts/${channel.accountId}`, { rateLimitPerSecond: CONTRACT_RATE });
    for (let i = 0; i < workers; i++) {
      await stack.start(`worker-${i}`, 'src/main.js', {
        ...appEnv,
        APP_ROLE: 'worker',
        DISPATCH_CONCURRENCY: String(DISPATCH_CONCURRENCY),
      });
    }
    await control.post('/sim/reset');
    await control.patch('/sim/config', { outboundRatePerSecond: CONTRACT_RATE });
    const campaign = (
      await first.post<CampaignView>('/api/v1/campaigns', {
        name: `bench ${RECIPIENTS}`,
        channelId: channel.id,
        content: { type: 'TEXT', text: TEXT },
        start: false,
        recipients: phones(RECIPIENTS).map((to) => ({ to })),
      })
    ).data;
    await last.post(`/api/v1/campaigns/${campaign.id}/start`);
    const done = await waitForCompletion(last, campaign.id, 180_000);
    const stats = (await control.get<SimStats>('/sim/stats')).data.outbound;
    if (done.counts.sent !== RECIPIENTS || stats.accepted !== RECIPIENTS) {
      throw new Error(
        `expected ${RECIPIENTS} sent once each, got ${done.counts.sent} sent, ${stats.accepted} accepted`,
      );
    }
    const span = (stats.lastAt ?? 0) - (stats.firstAt ?? 0);
    return {
      adherence: {
        worstSlidingSecond: stats.worstSlidingSecond,
        meanPerSecond: round(((stats.accepted - 1) * 1000) / span, 2),
        rateLimited: stats.rateLimited,
      },
      sent: done.counts.sent,
      seconds: round(span / 1000, 1),
    };
  } finally {
    await stack.teardown();
  }
}

function phones(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `+1606${String(2000000 + i).padStart(7, '0')}`);
}

async function waitForCompletion(http: AxiosInstance, id: string, timeoutMs: number): Promise<CampaignView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const campaign = (await http.get<CampaignView>(`/api/v1/campaigns/${id}`)).data;
    if (campaign.status === 'COMPLETED') return campaign;
    if (Date.now() > deadline)
      throw new Error(`campaign ${id} not completed after ${timeoutMs} ms: ${JSON.stringify(campaign.counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
