import axios from 'axios';
import IORedis from 'ioredis';
import type { AppConfig } from '@/config';
import { rateLimitKey } from '@/modules/dispatch/account-limiter';
import { marginKey, RedisMarginStore } from '@/modules/dispatch/adaptive-margin';
import { maxInSlidingWindow } from '@/infra/rate-limit/window-stats';
import { BenchStack } from './lib/stack';
import { printTable, recordResult, round } from './lib/results';

const CONTRACT_RATE = 40;
const JITTER_MS = 30;
/** The physical bound: sends spaced so that even the luckiest arrivals keep the sliding second. */
const BOUND_PER_SECOND = CONTRACT_RATE / (1 + JITTER_MS / 1000);
/** 76 s of work at the bound: the first 10 s to learn the margin, then a minute at it. */
const RECIPIENTS = Math.ceil(BOUND_PER_SECOND * 76);
const WARM_UP_MS = 10_000;
const TEXT = 'Storm update: your flight BA123 is cancelled. Reply HELP to talk to us.';

interface LoggedRequest {
  seq: number;
  at: number;
  status: number | null;
}

interface CampaignView {
  id: string;
  status: string;
  counts: { total: number; sent: number; failed: number };
}

/**
 * jitter: the adherence run with network jitter. The simulator is strict at 40/s and delays every request by a
 * uniform random 0–30 ms before it counts it (arrivalJitterMs), so sends that started a sliding second apart can
 * arrive closer together; one worker sends a backlog of about 76 s. Counts the 429s (all, and after the first 10 s,
 * by arrival time in the simulator's request log), the accepted rate against the bound 40/(1 + 30/1000), and the
 * margin the limiter learned. See README "Benchmarks".
 */
export async function jitterBenchmark(config: AppConfig): Promise<void> {
  const stack = new BenchStack(config);
  await stack.migrate();
  try {
    const sim = await stack.start('simulator', 'src/simulator/main.js', {
      LOG_LEVEL: 'info',
      SIMULATOR_OUTBOUND_RATE_PER_SECOND: String(CONTRACT_RATE),
      SIMULATOR_MIDDLEWARE_URL: 'http://127.0.0.1:9/none',
    });
    const control = axios.create({ baseURL: sim.url });
    const appEnv = stack.env({ SIMULATOR_URL: sim.url, SIMULATOR_EMBEDDED: 'false' });
    const api = await stack.start('api', 'src/main.js', { ...appEnv, APP_ROLE: 'api' });
    const key = (
      JSON.parse(await stack.cli(['api-key', 'create', '--name', 'bench', '--scopes', 'admin'])) as { key: string }
    ).key;
    const http = axios.create({
      baseURL: api.url,
      headers: { authorization: `Bearer ${key}` },
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
    });
    const channel = (
      await http.post<{ id: string; accountId: string }>('/api/v1/channels', {
        cxoneChannelId: 'sms_threadline_dev',
        kind: 'SMS',
        name: 'bench sms',
      })
    ).data;
    const worker = await stack.start('worker', 'src/main.js', {
      ...appEnv,
      APP_ROLE: 'worker',
      DISPATCH_CONCURRENCY: '50',
    });
    await control.post('/sim/reset');
    await control.patch('/sim/config', { outboundRatePerSecond: CONTRACT_RATE, arrivalJitterMs: JITTER_MS });
    const recipients = Array.from({ length: RECIPIENTS }, (_, i) => ({
      to: `+1606${String(2000000 + i).padStart(7, '0')}`,
    }));
    const campaign = (
      await http.post<CampaignView>(
        '/api/v1/campaigns',
        JSON.stringify({
          name: `bench jitter ${RECIPIENTS}`,
          channelId: channel.id,
          content: { type: 'TEXT', text: TEXT },
          customFields: { alert_type: 'flight_cancellation' },
          start: true,
          recipients,
        }),
        { headers: { 'content-type': 'application/json' } },
      )
    ).data;
    const done = await waitForCompletion(http, campaign.id, 240_000);
    await worker.stop();
    const requests = (await control.get<LoggedRequest[]>('/sim/requests?operation=outbound&limit=1000000')).data.sort(
      (a, b) => a.at - b.at,
    );
    await control.patch('/sim/config', { arrivalJitterMs: 0 });

    const firstAt = requests[0]?.at ?? 0;
    const accepted = requests.filter((r) => r.status === 200).map((r) => r.at);
    const refused = requests.filter((r) => r.status === 429);
    const span = (accepted[accepted.length - 1] ?? 0) - (accepted[0] ?? 0);
    const meanPerSecond = span > 0 ? ((accepted.length - 1) * 1000) / span : 0;
    const redis = new IORedis(config.redis.url);
    const learned = await new RedisMarginStore(redis)
      .read(marginKey(stack.prefix, rateLimitKey(channel.accountId)))
      .finally(() => redis.disconnect());
    const result = {
      jitterMs: JITTER_MS,
      meanPerSecond: round(meanPerSecond, 2),
      boundPerSecond: round(BOUND_PER_SECOND, 2),
      rateLimited: refused.length,
      rateLimitedAfter10s: refused.filter((r) => r.at - firstAt > WARM_UP_MS).length,
      finalMarginMs: learned?.state.marginMs ?? config.dispatch.rateLimitMargin.floorMs,
    };
    printTable(
      `jitter: ${RECIPIENTS} recipients at ${CONTRACT_RATE}/s, simulator strict at ${CONTRACT_RATE}/s with 0-${JITTER_MS} ms arrival jitter`,
      [
        {
          ...result,
          ofBound: `${round((100 * meanPerSecond) / BOUND_PER_SECOND, 1)}%`,
          worstSlidingSecond: maxInSlidingWindow(accepted, 1000),
          sent: done.counts.sent,
          seconds: round(span / 1000, 1),
        },
      ],
    );
    recordResult('jitter', result);
  } finally {
    await stack.teardown();
  }
}

async function waitForCompletion(
  http: ReturnType<typeof axios.create>,
  id: string,
  timeoutMs: number,
): Promise<CampaignView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const campaign = (await http.get<CampaignView>(`/api/v1/campaigns/${id}`)).data;
    if (campaign.status === 'COMPLETED') return campaign;
    if (Date.now() > deadline)
      throw new Error(`campaign ${id} not completed after ${timeoutMs} ms: ${JSON.stringify(campaign.counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
