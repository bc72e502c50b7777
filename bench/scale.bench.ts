import axios, { AxiosInstance } from 'axios';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AppConfig } from '@/config';
import { BenchProcess, BenchStack } from './lib/stack';
import { printTable, recordResult, round } from './lib/results';

const UPLOAD_ROWS = 100_000;
const UPLOADS = 10;
const CONTRACT_RATE = 40;
const GET_SAMPLES = 200;
/** How long the 1,000,000-recipient campaign dispatches while its GET is timed. */
const DISPATCH_SECONDS = 20;
const TEXT = 'Storm update: your flight BA123 is cancelled. Reply HELP to talk to us.';
/** One area code per 100,000-row upload, so the million numbers are distinct and valid. */
const METRICS_TOKEN = 'scale-bench-metrics-token';
const AREAS = ['202', '212', '303', '312', '404', '415', '503', '512', '617', '713', '718', '720'];

interface CampaignView {
  id: string;
  status: string;
  counts: { total: number; pending: number; queued: number; sending: number; sent: number };
}

interface IntakeAnswer extends CampaignView {
  intake: { received: number; accepted: number; rejected: number; duplicates: number };
}

/** `rows` distinct numbers in one area code (exchanges 200-299), as a recipients CSV. */
function csvOf(area: string, rows: number): string {
  const lines = ['to,name'];
  for (let i = 0; i < rows; i++) lines.push(`+1${area}${String(2_000_000 + i)},Customer ${i}`);
  return `${lines.join('\n')}\n`;
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryMb(proc: BenchProcess): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** The V8 heap (used, total) and external memory of the api, in MB, from its /metrics; null where unreadable. */
async function heapMb(url: string): Promise<{ heapUsed: number; heapTotal: number; external: number } | null> {
  try {
    const text = (
      await axios.get<string>(`${url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        responseType: 'text',
      })
    ).data;
    const metric = (name: string): number =>
      Number(new RegExp(`^threadline_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1024 / 1024;
    return {
      heapUsed: round(metric('nodejs_heap_size_used_bytes')),
      heapTotal: round(metric('nodejs_heap_size_total_bytes')),
      external: round(metric('nodejs_external_memory_bytes')),
    };
  } catch {
    return null;
  }
}

/** Resets the process's peak RSS (VmHWM) to its current RSS; false where the kernel does not allow it. */
function resetPeak(proc: BenchProcess): boolean {
  try {
    writeFileSync(`/proc/${proc.child.pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

async function upload(http: AxiosInstance, campaignId: string, csv: string, expected: number): Promise<number> {
  const started = performance.now();
  const answer = await http.post<IntakeAnswer>(`/api/v1/campaigns/${campaignId}/recipients`, csv, {
    headers: { 'content-type': 'text/csv' },
  });
  const ms = performance.now() - started;
  if (answer.data.intake.accepted !== expected)
    throw new Error(
      `upload accepted ${answer.data.intake.accepted} of ${expected}: ${JSON.stringify(answer.data.intake)}`,
    );
  return ms;
}

/** Sequential GETs of the campaign, one every `spacingMs` (0: back to back); p50/p99/max in ms. */
async function timeGets(
  http: AxiosInstance,
  id: string,
  spacingMs: number,
): Promise<{ p50: number; p99: number; max: number; last: CampaignView }> {
  const samples: number[] = [];
  let last: CampaignView | undefined;
  for (let i = 0; i < GET_SAMPLES; i++) {
    const started = performance.now();
    last = (await http.get<CampaignView>(`/api/v1/campaigns/${id}`)).data;
    const ms = performance.now() - started;
    samples.push(ms);
    if (spacingMs > ms) await new Promise((resolve) => setTimeout(resolve, spacingMs - ms));
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number): number => round(samples[Math.min(samples.length - 1, Math.floor(p * samples.length))], 1);
  return { p50: pct(0.5), p99: pct(0.99), max: round(samples[samples.length - 1], 1), last: last! };
}

/**
 * scale: one campaign of 1,000,000 recipients through the public API (ten CSV uploads of 100,000 rows into one draft
 * campaign), with intake time at 10k / 100k / 1M rows, the api process's RSS growth over the 1M intake, and campaign
 * GET latency on the 1M campaign as a draft and while it dispatches at the contract rate. See README "Benchmarks".
 */
export async function scaleBenchmark(config: AppConfig): Promise<void> {
  const stack = new BenchStack(config);
  await stack.migrate();
  let worker: BenchProcess | null = null;
  try {
    const sim = await stack.start('simulator', 'src/simulator/main.js', {
      LOG_LEVEL: 'info',
      SIMULATOR_OUTBOUND_RATE_PER_SECOND: String(CONTRACT_RATE),
      SIMULATOR_MIDDLEWARE_URL: 'http://127.0.0.1:9/none',
    });
    const appEnv = stack.env({ SIMULATOR_URL: sim.url, SIMULATOR_EMBEDDED: 'false' });
    const api = await stack.start('api', 'src/main.js', { ...appEnv, APP_ROLE: 'api', METRICS_TOKEN });
    const key = (
      JSON.parse(await stack.cli(['api-key', 'create', '--name', 'bench', '--scopes', 'admin'])) as { key: string }
    ).key;
    const http = axios.create({
      baseURL: api.url,
      headers: { authorization: `Bearer ${key}` },
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      timeout: 300_000,
    });
    http.interceptors.response.use(undefined, (err: unknown) => {
      const res = axios.isAxiosError(err) ? err.response : undefined;
      throw res ? new Error(`${res.config.method} ${res.config.url}: ${res.status} ${JSON.stringify(res.data)}`) : err;
    });
    const channel = (
      await http.post<{ id: string }>('/api/v1/channels', {
        cxoneChannelId: 'sms_threadline_dev',
        kind: 'SMS',
        name: 'scale sms',
      })
    ).data;
    const draft = async (name: string): Promise<string> =>
      (
        await http.post<CampaignView>('/api/v1/campaigns', {
          name,
          channelId: channel.id,
          content: { type: 'TEXT', text: TEXT },
          customFields: { alert_type: 'flight_cancellation' },
          start: false,
          recipients: [],
        })
      ).data.id;

    // Warm-up: one small upload, so the first-request costs (JIT, pools, caches) are not counted as growth.
    await upload(http, await draft('scale warm-up'), csvOf('808', 1_000), 1_000);
    const csvs = AREAS.slice(0, UPLOADS).map((area) => csvOf(area, UPLOAD_ROWS));

    // ── 1M: ten uploads of 100,000 rows into one draft campaign, timed from the first request to the last answer ──
    const big = await draft('scale 1M');
    const before = memoryMb(api);
    const heapBefore = await heapMb(api.url);
    const peakReset = resetPeak(api);
    const uploadMs: number[] = [];
    for (const csv of csvs) uploadMs.push(await upload(http, big, csv, UPLOAD_ROWS));
    const rows1mMs = uploadMs.reduce((a, b) => a + b, 0);
    const after = memoryMb(api);
    const heapAfter = await heapMb(api.url);
    const peakBefore = peakReset ? before.rss : before.hwm;

    // ── 10k and 100k: one upload each into a fresh draft campaign ──
    const rows10kMs = await upload(http, await draft('scale 10k'), csvOf(AREAS[10], 10_000), 10_000);
    const rows100kMs = await upload(http, await draft('scale 100k'), csvOf(AREAS[11], UPLOAD_ROWS), UPLOAD_ROWS);

    // ── campaign GET on the 1M campaign: as a draft (back to back), then while it dispatches ──
    const draftGet = await timeGets(http, big, 0);
    if (draftGet.last.counts.total !== UPLOAD_ROWS * UPLOADS)
      throw new Error(`the 1M campaign counts ${JSON.stringify(draftGet.last.counts)}`);
    worker = await stack.start('worker', 'src/main.js', { ...appEnv, APP_ROLE: 'worker', DISPATCH_CONCURRENCY: '50' });
    await http.post(`/api/v1/campaigns/${big}/start`);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the first dispatch batch queued
    const runningGet = await timeGets(http, big, (DISPATCH_SECONDS * 1000) / GET_SAMPLES);
    await worker.stop();
    worker = null;
    const final = (await http.get<CampaignView>(`/api/v1/campaigns/${big}`)).data;

    const result = {
      rows10kMs: Math.round(rows10kMs),
      rows100kMs: Math.round(rows100kMs),
      rows1mMs: Math.round(rows1mMs),
      upload1mFirstMs: Math.round(uploadMs[0]),
      upload1mLastMs: Math.round(uploadMs[uploadMs.length - 1]),
      apiRssBeforeMb: Math.round(before.rss),
      apiRssAfterMb: Math.round(after.rss),
      apiRssGrowthMb: Math.round(after.hwm - peakBefore),
      apiRssGrowthAfterMb: Math.round(after.rss - before.rss),
      campaignGetP50Ms: draftGet.p50,
      campaignGetP99Ms: draftGet.p99,
      campaignGetMaxMs: draftGet.max,
      dispatchingGetP50Ms: runningGet.p50,
      dispatchingGetP99Ms: runningGet.p99,
      dispatchingGetMaxMs: runningGet.max,
      sentWhileTimed: final.counts.sent,
    };
    printTable(`scale: intake, ${UPLOADS} CSV uploads of ${UPLOAD_ROWS} rows into one draft campaign (1M)`, [
      { rows: '10k (one upload, fresh campaign)', ms: result.rows10kMs, rowsPerSecond: Math.round(1e7 / rows10kMs) },
      { rows: '100k (one upload, fresh campaign)', ms: result.rows100kMs, rowsPerSecond: Math.round(1e8 / rows100kMs) },
      { rows: '1M (ten uploads, one campaign)', ms: result.rows1mMs, rowsPerSecond: Math.round(1e9 / rows1mMs) },
      {
        rows: '  of which upload 1 / upload 10',
        ms: `${result.upload1mFirstMs} / ${result.upload1mLastMs}`,
        rowsPerSecond: '',
      },
    ]);
    printTable(
      `scale: api process memory over the 1M intake (VmHWM peak ${peakReset ? 'reset before' : 'since start'})`,
      [
        {
          rssBeforeMb: result.apiRssBeforeMb,
          peakMb: Math.round(after.hwm),
          rssAfterMb: result.apiRssAfterMb,
          peakGrowthMb: result.apiRssGrowthMb,
          growthAfterMb: result.apiRssGrowthAfterMb,
        },
      ],
    );
    printTable('scale: api V8 heap and external memory (MB) before and after the 1M intake, from /metrics', [
      { when: 'before', ...(heapBefore ?? {}) },
      { when: 'after', ...(heapAfter ?? {}) },
    ]);
    printTable(
      `scale: GET /api/v1/campaigns/{id} at 1M recipients, ${GET_SAMPLES} sequential requests each (goal p99 ≤ 50 ms)`,
      [
        { phase: 'draft (back to back)', p50Ms: draftGet.p50, p99Ms: draftGet.p99, maxMs: draftGet.max },
        {
          phase: `dispatching at ${CONTRACT_RATE}/s (~${DISPATCH_SECONDS} s)`,
          p50Ms: runningGet.p50,
          p99Ms: runningGet.p99,
          maxMs: runningGet.max,
        },
      ],
    );
    recordResult('scale', result);
  } finally {
    await worker?.stop();
    await stack.teardown();
  }
}
