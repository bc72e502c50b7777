import axios from 'axios';
import { Client } from 'pg';
import { AppConfig } from '@/config';
import { createApp } from '@/bootstrap';
import { ApiKeysService, OPERATOR } from '@/modules/auth/api-keys.service';
import { percentile } from './lib/open-loop';
import { printTable, recordResult, round } from './lib/results';
import { BenchStack } from './lib/stack';

/**
 * Reconciliation time is compressed by `timeScale` (K): the read share (12/s), the backoff's floor and cap, the
 * tenant's read limit and the reply window are all scaled by it, so a 10,000-thread run that takes DFO's budget ~15
 * minutes to cover finishes in a few. Lags are multiplied back by K (and reads per hour divided), which gives what the
 * service does at its real settings as long as the process keeps up with 12 × K reads a second: when readsPerHour
 * stays below the share (43,200), the run was bound by this machine's CPU, not by the budget; use a smaller K.
 */
export const LOOP_DEFAULTS = { timeScale: 10 };
const THREADS = 10_000;
/** Customers who answer (a fifth), each once, at uniformly random times over the window. */
const REPLIES = 2_000;
/** The reply window, as deployed (5 minutes after the campaign went out). */
const REPLY_WINDOW_MS = 5 * 60_000;
/** How long (real time) the benchmark waits for the last replies to be read back. */
const DRAIN_TIMEOUT_MS = 240_000;
const SEND_RATE = 1_000;
const SMS_CHANNEL = 'sms_threadline_dev';

interface SimStats {
  contactReads: { total: number; rateLimited: number };
}

/**
 * `loop`: reconciliation alone (no webhook) against the simulator: a 10,000-recipient campaign goes out, 2,000
 * customers reply at random times over 5 minutes, and each reply is timed from the simulator's message creation to
 * Threadline storing it (p50/p99, as deployed). Also the DFO contact reads spent, per hour.
 */
export async function loopBenchmark(config: AppConfig, options: { timeScale: number }): Promise<void> {
  const TIME_SCALE = options.timeScale;
  const stack = new BenchStack(config);
  await stack.migrate();
  try {
    const sim = await stack.start('simulator', 'src/simulator/main.js', {
      LOG_LEVEL: 'info', // its "listening on" line
      SIMULATOR_OUTBOUND_RATE_PER_SECOND: String(SEND_RATE * 2),
      SIMULATOR_MIDDLEWARE_URL: 'http://127.0.0.1:9/none',
    });
    const control = axios.create({ baseURL: sim.url });
    // the tenant's read budget, compressed like everything else (120,000 an hour as deployed)
    await control.patch('/sim/config', {
      webhookUrl: null,
      contactReadsPerHour: 120_000 * TIME_SCALE,
      contactReadBurst: 2_000 * TIME_SCALE,
    });

    const appConfig = AppConfig.load(process.env, {
      ...stack.env({ SIMULATOR_URL: sim.url, SIMULATOR_EMBEDDED: 'false', LOG_LEVEL: 'error', APP_ROLE: 'all' }),
      HOST: '127.0.0.1',
      PORT: '0',
      RECONCILE_INTERVAL_MS: '200',
    });
    const deployed = { ...appConfig.reconcile };
    // time compression (see TIME_SCALE): the same code, its time constants divided by K
    Object.assign(appConfig.reconcile as { readsPerSecond: number; minDelayMs: number; maxDelayMs: number }, {
      readsPerSecond: deployed.readsPerSecond * TIME_SCALE,
      minDelayMs: deployed.minDelayMs / TIME_SCALE,
      maxDelayMs: deployed.maxDelayMs / TIME_SCALE,
    });
    const app = await createApp(appConfig);
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const key = (await app.get(ApiKeysService).create({ name: 'bench', scopes: ['admin'] }, OPERATOR)).key;
      const http = axios.create({ baseURL: base, headers: { authorization: `Bearer ${key}` } });
      const channel = (
        await http.post<{ id: string; accountId: string }>('/api/v1/channels', {
          cxoneChannelId: SMS_CHANNEL,
          kind: 'SMS',
          name: 'bench sms',
        })
      ).data;
      await http.patch(`/api/v1/accounts/${channel.accountId}`, { rateLimitPerSecond: SEND_RATE });

      const phones = Array.from({ length: THREADS }, (_, i) => `+1202${String(4_000_000 + i)}`);
      const started = performance.now();
      const readsBefore = (await control.get<SimStats>('/sim/stats')).data.contactReads.total;
      const campaign = (
        await http.post<{ id: string }>('/api/v1/campaigns', {
          name: 'bench loop',
          channelId: channel.id,
          content: { type: 'TEXT', text: 'Your flight is cancelled' },
          recipients: phones.map((to) => ({ to })),
          start: true,
        })
      ).data;
      for (;;) {
        const c = (await http.get<{ status: string; counts: { sent: number } }>(`/api/v1/campaigns/${campaign.id}`))
          .data;
        if (c.status === 'COMPLETED') break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const sentSeconds = (performance.now() - started) / 1000;

      // customers answer at random times over the window (compressed), from the simulator as CXone would show them
      const windowMs = REPLY_WINDOW_MS / TIME_SCALE;
      const repliers = shuffle(phones).slice(0, REPLIES);
      const failures: string[] = [];
      /** Each replying customer and their reply's creation time at CXone (ms), to time the ones never read back too. */
      const created = new Map<string, number>();
      await Promise.all(
        repliers.map(
          (from) =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                control
                  .post<{ message?: { id: string; createdAtWithMilliseconds?: string; createdAt: string } }>(
                    '/sim/customer/reply',
                    { channelId: SMS_CHANNEL, from, text: 'Thanks, please rebook me' },
                  )
                  .then((res) => {
                    const m = res.data.message;
                    if (m) created.set(from, Date.parse(m.createdAtWithMilliseconds ?? m.createdAt));
                  })
                  .catch((err: unknown) => failures.push(String(err)))
                  .finally(resolve);
              }, Math.random() * windowMs),
            ),
        ),
      );

      const db = new Client({ connectionString: stack.databaseUrl });
      await db.connect();
      try {
        const deadline = performance.now() + DRAIN_TIMEOUT_MS;
        let stored = 0;
        while (performance.now() < deadline) {
          stored = Number(
            (await db.query<{ n: string }>(`SELECT count(*) AS n FROM message WHERE author = 'CUSTOMER'`)).rows[0].n,
          );
          if (stored >= REPLIES - failures.length) break;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        const elapsedSeconds = (performance.now() - started) / 1000;
        const reads = (await control.get<SimStats>('/sim/stats')).data.contactReads;
        const endedAt = Date.now();
        const storedRows = (
          await db.query<{ address: string; ms: number }>(
            `SELECT c.address, extract(epoch FROM (m.updated_at - m.created_at)) * 1000 AS ms
             FROM message m JOIN thread t ON t.id = m.thread_id JOIN contact c ON c.id = t.contact_id
             WHERE m.author = 'CUSTOMER'`,
          )
        ).rows;
        const answered = new Set(storedRows.map((r) => r.address));
        // a reply never read back within the drain counts with the time it has waited so far: a lower bound
        const unread = [...created].filter(([from]) => !answered.has(from)).map(([, at]) => endedAt - at);
        const lags = [...storedRows.map((r) => Number(r.ms)), ...unread]
          .map((ms) => ms * TIME_SCALE)
          .sort((a, b) => a - b);
        const readsSpent = reads.total - readsBefore;
        const readsPerHour = ((readsSpent / elapsedSeconds) * 3600) / TIME_SCALE;
        const p50 = percentile(lags, 50);
        const p99 = percentile(lags, 99);
        const bound = (p: number): string => (unread.length > lags.length * (1 - p / 100) ? '≥ ' : '');
        printTable(
          `loop: reconciliation only (no webhook), ${THREADS} open proactive threads, ${REPLIES} replies over ` +
            `${REPLY_WINDOW_MS / 60_000} min, read share ${deployed.readsPerSecond}/s; time compressed ${TIME_SCALE}×, ` +
            'numbers as deployed',
          [
            {
              threads: THREADS,
              replies: REPLIES,
              replyFailures: failures.length,
              stored: storedRows.length,
              unread: unread.length,
              replyLagP50Ms: `${bound(50)}${round(p50, 0)}`,
              replyLagP99Ms: `${bound(99)}${round(p99, 0)}`,
              readsPerHour: round(readsPerHour, 0),
              readBudgetShare: deployed.readsPerSecond * 3600,
              realReadsPerSecond: `${round(readsSpent / elapsedSeconds)} of ${deployed.readsPerSecond * TIME_SCALE}`,
              rateLimited: reads.rateLimited,
              campaignSeconds: round(sentSeconds),
              benchSeconds: round(elapsedSeconds),
            },
          ],
        );
        recordResult('loop', {
          threads: THREADS,
          replies: REPLIES,
          stored: storedRows.length,
          unread: unread.length,
          timeScale: TIME_SCALE,
          replyLagP50Ms: round(p50, 0),
          replyLagP99Ms: round(p99, 0),
          replyLagIsLowerBound: bound(99) ? 'p99' : bound(50) ? 'p50' : null,
          readsPerHour: round(readsPerHour, 0),
          rateLimited: reads.rateLimited,
        });
      } finally {
        await db.end();
      }
    } finally {
      await app.close();
    }
  } finally {
    await stack.teardown();
  }
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
