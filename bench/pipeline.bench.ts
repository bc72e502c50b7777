import axios, { AxiosInstance } from 'axios';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AppConfig } from '@/config';
import { BenchStack } from './lib/stack';
import { printTable, recordResult, round } from './lib/results';

const run = promisify(execFile);

const INTAKE_RECIPIENTS = 50_000;
/** 61 s of work at 40/s: a backlog for the whole minute. */
const ADHERENCE_RECIPIENTS = 2_440;
/** 50 s of work at 40/s with 5% of sends answered 5xx: how long a retry waits behind the backlog. */
const RETRY_RECIPIENTS = 2_000;
const RETRY_ERROR_RATE = 0.05;
const CONTRACT_RATE = 40;
const HEADROOM_CONCURRENCY = 100;
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

function phones(count: number, area = '202'): string[] {
  return Array.from({ length: count }, (_, i) => `+1${area}${String(2000000 + i).padStart(7, '0')}`);
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

/** COPY of the same 50,000 rows into campaign_recipient, the floor intake cannot beat. */
async function rawCopyMs(databaseUrl: string, campaignId: string, addresses: string[]): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const started = performance.now();
    const copy = client.query(
      copyFrom(
        'COPY campaign_recipient (id, campaign_id, address, status, created_at, updated_at) FROM STDIN WITH (FORMAT csv)',
      ),
    );
    const now = new Date().toISOString();
    const lines = addresses.map((a) => `${randomUUID()},${campaignId},"${a}",PENDING,${now},${now}\n`);
    await pipeline(Readable.from([lines.join('')]), copy);
    const ms = performance.now() - started;
    await client.query('ROLLBACK');
    return ms;
  } finally {
    await client.end();
  }
}

/**
 * intake, adherence, headroom and memory, in one run against the service as deployed (simulator, api and worker
 * processes). See README "Benchmarks".
 */
export async function pipelineBenchmarks(config: AppConfig, selected: Set<string>): Promise<void> {
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
    const campaignBody = (to: string[], start: boolean): string =>
      JSON.stringify({
        name: `bench ${to.length}`,
        channelId: channel.id,
        content: { type: 'TEXT', text: TEXT },
        customFields: { alert_type: 'flight_cancellation' },
        start,
        recipients: to.map((phone) => ({ to: phone })),
      });

    // ── intake: accept 50,000 recipients (HTTP, validation, pre-flight, one transaction) vs a raw COPY ──
    await http.post('/api/v1/campaigns', campaignBody(phones(500, '303'), false), {
      headers: { 'content-type': 'application/json' },
    }); // warm-up
    const big = phones(INTAKE_RECIPIENTS);
    const payload = campaignBody(big, false);
    const t0 = performance.now();
    const accepted = await http.post<CampaignView & { intake: { accepted: number } }>('/api/v1/campaigns', payload, {
      headers: { 'content-type': 'application/json' },
    });
    const acceptMs = performance.now() - t0;
    if (accepted.data.intake.accepted !== INTAKE_RECIPIENTS)
      throw new Error(`intake accepted ${accepted.data.intake.accepted}`);
    const scratch = (
      await http.post<CampaignView>('/api/v1/campaigns', campaignBody([], false), {
        headers: { 'content-type': 'application/json' },
      })
    ).data;
    const copyMs = await rawCopyMs(stack.databaseUrl, scratch.id, big);
    if (selected.has('intake')) {
      const result = { acceptMs: Math.round(acceptMs), rawCopyMs: Math.round(copyMs) };
      printTable(`intake: ${INTAKE_RECIPIENTS} recipients`, [
        {
          path: 'POST /api/v1/campaigns (end to end)',
          ms: result.acceptMs,
          rowsPerSecond: Math.round((INTAKE_RECIPIENTS * 1000) / acceptMs),
        },
        {
          path: 'raw COPY of the same rows',
          ms: result.rawCopyMs,
          rowsPerSecond: Math.round((INTAKE_RECIPIENTS * 1000) / copyMs),
        },
      ]);
      recordResult('intake', result);
    }

    // ── adherence: 60 s of backlog at 40/s against the simulator's strict 40/s ──
    if (selected.has('adherence')) {
      const worker = await stack.start('worker', 'src/main.js', {
        ...appEnv,
        APP_ROLE: 'worker',
        DISPATCH_CONCURRENCY: '50',
      });
      await control.post('/sim/reset');
      await control.patch('/sim/config', { outboundRatePerSecond: CONTRACT_RATE });
      const campaign = (
        await http.post<CampaignView>('/api/v1/campaigns', campaignBody(phones(ADHERENCE_RECIPIENTS, '404'), true), {
          headers: { 'content-type': 'application/json' },
        })
      ).data;
      const done = await waitForCompletion(http, campaign.id, 180_000);
      const stats = (await control.get<SimStats>('/sim/stats')).data.outbound;
      await worker.stop();
      const span = (stats.lastAt ?? 0) - (stats.firstAt ?? 0);
      const result = {
        worstSlidingSecond: stats.worstSlidingSecond,
        meanPerSecond: round(((stats.accepted - 1) * 1000) / span, 2),
        rateLimited: stats.rateLimited,
      };
      printTable(
        `adherence: ${ADHERENCE_RECIPIENTS} recipients at ${CONTRACT_RATE}/s, simulator strict at ${CONTRACT_RATE}/s`,
        [{ ...result, sent: done.counts.sent, seconds: round(span / 1000, 1) }],
      );
      recordResult('adherence', result);
    }

    // ── retries: a 5xx'd send goes out again when its backoff ends, ahead of the backlog ──
    if (selected.has('retries')) {
      const worker = await stack.start('worker', 'src/main.js', {
        ...appEnv,
        APP_ROLE: 'worker',
        DISPATCH_CONCURRENCY: '50',
      });
      await control.post('/sim/reset');
      await control.patch('/sim/config', {
        outboundRatePerSecond: CONTRACT_RATE,
        errorRate: RETRY_ERROR_RATE,
        faultOperations: ['outbound'],
      });
      const campaign = (
        await http.post<CampaignView>('/api/v1/campaigns', campaignBody(phones(RETRY_RECIPIENTS, '505'), true), {
          headers: { 'content-type': 'application/json' },
        })
      ).data;
      const done = await waitForCompletion(http, campaign.id, 240_000);
      await worker.stop();
      const requests = (
        await control.get<
          Array<{ seq: number; at: number; status: number | null; body?: { idOnExternalPlatform?: string } }>
        >('/sim/requests?operation=outbound&limit=1000000')
      ).data.sort((a, b) => a.seq - b.seq);
      await control.patch('/sim/config', { errorRate: 0 });
      const nextOf = new Map<string, number[]>();
      requests.forEach((r, i) => {
        const id = r.body?.idOnExternalPlatform ?? '';
        nextOf.set(id, [...(nextOf.get(id) ?? []), i]);
      });
      const delays: number[] = [];
      requests.forEach((r, i) => {
        if (r.status !== null && r.status < 500) return;
        const later = (nextOf.get(r.body?.idOnExternalPlatform ?? '') ?? []).find((j) => j > i);
        if (later !== undefined) delays.push(requests[later].at - r.at);
      });
      delays.sort((a, b) => a - b);
      const pct = (p: number): number =>
        Math.round(delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] ?? 0);
      const result = {
        retried: delays.length,
        retryDelayP50Ms: pct(0.5),
        retryDelayP99Ms: pct(0.99),
        retryDelayMaxMs: Math.round(delays[delays.length - 1] ?? 0),
      };
      printTable(
        `retries: ${RETRY_RECIPIENTS} recipients at ${CONTRACT_RATE}/s, ${RETRY_ERROR_RATE * 100}% of sends answered 5xx (first retry due 0.5-1 s later)`,
        [{ ...result, sent: done.counts.sent, failed: done.counts.failed }],
      );
      recordResult('retries', result);
    }

    // ── headroom + memory: the 50,000 campaign with no rate limit against a zero-latency simulator ──
    if (selected.has('headroom') || selected.has('memory')) {
      await http.patch(`/api/v1/accounts/${channel.accountId}`, { rateLimitPerSecond: 10_000 });
      await control.post('/sim/reset');
      await control.patch('/sim/config', { outboundRatePerSecond: 100_000, latencyMs: 0 });
      const worker = await stack.start('worker', 'src/main.js', {
        ...appEnv,
        APP_ROLE: 'worker',
        DISPATCH_CONCURRENCY: String(HEADROOM_CONCURRENCY),
      });
      await http.post(`/api/v1/campaigns/${accepted.data.id}/start`);
      const done = await waitForCompletion(http, accepted.data.id, 600_000);
      const stats = (await control.get<SimStats>('/sim/stats')).data.outbound;
      const workerPeakRssMb = worker.peakRssMb();
      await worker.stop();
      const pipelinePerSecond = round(((stats.accepted - 1) * 1000) / ((stats.lastAt ?? 0) - (stats.firstAt ?? 0)), 0);

      await control.post('/sim/reset'); // reset restores the default limit: lift it again for the bare client
      await control.patch('/sim/config', { outboundRatePerSecond: 100_000, latencyMs: 0 });
      const bare = JSON.parse(
        (
          await run(process.execPath, [
            join(__dirname, 'bare-client.js'),
            sim.url,
            String(INTAKE_RECIPIENTS),
            String(HEADROOM_CONCURRENCY),
          ])
        ).stdout,
      ) as { perSecond: number; failed: number };
      if (selected.has('headroom')) {
        const result = { pipelinePerSecond, bareClientPerSecond: round(bare.perSecond, 0) };
        printTable(
          `headroom: ${INTAKE_RECIPIENTS} sends, no rate limit, zero-latency simulator, concurrency ${HEADROOM_CONCURRENCY}`,
          [
            {
              path: 'Threadline pipeline (worker process)',
              perSecond: result.pipelinePerSecond,
              sent: done.counts.sent,
              xContract: round(pipelinePerSecond / CONTRACT_RATE, 1),
            },
            {
              path: 'bare HTTP client, same requests',
              perSecond: result.bareClientPerSecond,
              sent: INTAKE_RECIPIENTS - bare.failed,
              xContract: round(bare.perSecond / CONTRACT_RATE, 1),
            },
          ],
        );
        recordResult('headroom', result);
      }
      if (selected.has('memory')) {
        printTable('memory', [
          { process: `worker during the ${INTAKE_RECIPIENTS}-recipient run`, peakRssMb: workerPeakRssMb ?? 'n/a' },
        ]);
        recordResult('memory', { workerPeakRssMb });
      }
    }
  } finally {
    await stack.teardown();
  }
}
