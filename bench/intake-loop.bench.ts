import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AppConfig } from '@/config';
import { createApp } from '@/bootstrap';
import { ApiKeysService, OPERATOR } from '@/modules/auth/api-keys.service';
import { ROWS_PER_YIELD } from '@/modules/campaigns/recipient-intake';
import { printTable, recordResult, round } from './lib/results';
import { BenchStack } from './lib/stack';

const ROWS = 100_000;
const PROBE_EVERY_MS = 20;

/** Uploads a file from a child process, so the client's work is not in the event loop being measured. */
const UPLOAD = `
const [url, key, file, type] = process.argv.slice(1);
const started = performance.now();
fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + key, 'content-type': type },
  body: require('node:fs').readFileSync(file) })
  .then(async (res) => { await res.text(); console.log(JSON.stringify({ status: res.status, ms: performance.now() - started })); });
`;

function upload(url: string, key: string, file: string, type: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', UPLOAD, url, key, file, type], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as { status: number; ms: number }) : reject(new Error(`upload ${code}`)),
    );
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/**
 * `intake-loop`: how long a 100,000-row intake holds the event loop. The application runs in this process on a
 * scratch database (api role, so no workers share the loop); a child process uploads the rows (a CSV, then the same
 * rows inline as JSON); meanwhile this process samples its event-loop delay (monitorEventLoopDelay, 10 ms resolution)
 * and times GET /health/ready every 20 ms. The max delay is what a readiness probe may wait out.
 */
export async function intakeLoopBenchmark(config: AppConfig): Promise<void> {
  const stack = new BenchStack(config);
  await stack.migrate();
  const csvFile = join(tmpdir(), `threadline-bench-${stack.prefix}.csv`);
  const jsonFile = join(tmpdir(), `threadline-bench-${stack.prefix}.json`);
  const app = await createApp(
    AppConfig.load(process.env, {
      ...stack.env({ APP_ROLE: 'api', LOG_LEVEL: 'error' }),
      HOST: '127.0.0.1',
      PORT: '0',
    }),
  );
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const key = (await app.get(ApiKeysService).create({ name: 'bench', scopes: ['admin'] }, OPERATOR)).key;
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(new URL(path, base), {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const channel = await post<{ id: string }>('/api/v1/channels', { cxoneChannelId: 'sms_b', kind: 'SMS', name: 'b' });
    const content = { type: 'TEXT', text: 'Your flight is cancelled' };
    const phone = (i: number): string => `+1202${String(3_000_000 + i)}`;
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      to: phone(i),
      name: `Name ${i}`,
      customFields: { booking_ref: `REF${i}` },
    }));
    writeFileSync(
      csvFile,
      `to,name,field.booking_ref\n${rows.map((r) => `${r.to},${r.name},${r.customFields.booking_ref}`).join('\n')}\n`,
    );
    writeFileSync(jsonFile, JSON.stringify({ name: 'bench json', channelId: channel.id, content, recipients: rows }));

    const measure = async (
      what: string,
      send: () => Promise<{ status: number; ms: number }>,
    ): Promise<Record<string, string | number>> => {
      const loop = monitorEventLoopDelay({ resolution: 10 });
      const probes: number[] = [];
      let sending = true;
      const probing = (async () => {
        while (sending) {
          const started = performance.now();
          await fetch(new URL('/health/ready', base)).then((r) => r.text());
          probes.push(performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
        }
      })();
      loop.enable();
      const result = await send();
      loop.disable();
      sending = false;
      await probing;
      return {
        intake: what,
        status: result.status,
        intakeMs: Math.round(result.ms),
        loopMaxMs: round(loop.max / 1e6),
        loopP99Ms: round(loop.percentile(99) / 1e6),
        probes: probes.length,
        probeMaxMs: round(Math.max(...probes)),
        probeP99Ms: round(percentile(probes, 99)),
      };
    };

    const csvCampaign = await post<{ id: string }>('/api/v1/campaigns', {
      name: 'bench csv',
      channelId: channel.id,
      content,
    });
    const csv = await measure(`CSV upload, ${ROWS} rows`, () =>
      upload(new URL(`/api/v1/campaigns/${csvCampaign.id}/recipients`, base).toString(), key, csvFile, 'text/csv'),
    );
    const json = await measure(`POST /campaigns, ${ROWS} inline`, () =>
      upload(new URL('/api/v1/campaigns', base).toString(), key, jsonFile, 'application/json'),
    );
    printTable(`intake-loop: event-loop delay during a ${ROWS}-row intake (a turn every ${ROWS_PER_YIELD} rows)`, [
      csv,
      json,
    ]);
    const keys = ['status', 'intakeMs', 'loopMaxMs', 'loopP99Ms', 'probeMaxMs', 'probeP99Ms'];
    recordResult('intake-loop', {
      ...Object.fromEntries(keys.map((k) => [`csv.${k}`, csv[k] ?? null])),
      ...Object.fromEntries(keys.map((k) => [`json.${k}`, json[k] ?? null])),
    });
  } finally {
    await app.close();
    await stack.teardown();
    rmSync(csvFile, { force: true });
    rmSync(jsonFile, { force: true });
  }
}
