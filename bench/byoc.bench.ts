import axios, { AxiosInstance } from 'axios';
import { Agent } from 'node:http';
import { Client } from 'pg';
import { AppConfig, SIMULATOR_CHAT_CHANNEL_ID } from '@/config';
import { LoadResult, openLoop, percentile, postJson, runLoadClient, sum } from './lib/open-loop';
import { printTable, recordResult, round } from './lib/results';
import { EventStream } from './lib/sse';
import { BenchStack } from './lib/stack';

export const BYOC_DEFAULTS = { rate: 500, seconds: 20 };
const WARMUP_SECONDS = 2;
/** Widget customers, each with a session, a conversation and its first message; replies and posts cycle over them. */
const CUSTOMERS = 1_000;
const SETUP_CONCURRENCY = 20;
/** Agent replies timed from api A's callback to api B's event stream, one per customer, at FANOUT_RPS. */
const FANOUT_SAMPLE = 500;
const FANOUT_RPS = 100;
const FANOUT_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_SOCKETS = 1_024;
const P99_TARGET_MS = 50;
const CXONE_ANSWER_MS = 500;
const OUTBOUND_PATH = `/integration/box/2.0/channel/${SIMULATOR_CHAT_CHANNEL_ID}/outbound`;

interface Customer {
  token: string;
  customerId: string;
  threadId: string;
  /** The thread's id as CXone knows it (what CXone's callbacks name). */
  threadExternalId: string;
}

async function mapLimit<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What CXone posts to the outbound callback (the simulator's body, src/simulator/agent/byoc-delivery.ts). */
function outboundBody(customer: Customer, text: string): string {
  return JSON.stringify({
    brand: { id: 4501, friendlyName: 'Threadline bench' },
    thread: { idOnExternalPlatform: customer.threadExternalId },
    messageContent: { type: 'TEXT', payload: { text } },
    endUserRecipients: [{ idOnExternalPlatform: customer.customerId, isPrimary: true }],
    authorUser: { id: 1002, firstName: 'Alex', surname: 'Agent' },
  });
}

/**
 * Customer messages the simulated CXone has received (the worker relays each widget post). The simulator has no
 * event for it, so this polls its stats; null when they did not all arrive within timeoutMs.
 */
async function relayed(control: AxiosInstance, expected: number, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  for (;;) {
    const stats = (await control.get<{ createMessage: { accepted: number } }>('/sim/stats')).data;
    if (stats.createMessage.accepted >= expected) return performance.now() - started;
    if (performance.now() - started > timeoutMs) return null;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Widget customers as the widget page makes them: session, conversation start, first message. */
async function createCustomers(http: AxiosInstance, databaseUrl: string): Promise<Customer[]> {
  const { channelId } = (await http.get<{ channelId: string }>('/widget/v1/demo-channel')).data;
  const made = await mapLimit(CUSTOMERS, SETUP_CONCURRENCY, async (i) => {
    const session = (
      await http.post<{ token: string; customer: { id: string } }>(`/widget/v1/channels/${channelId}/sessions`, {})
    ).data;
    const headers = { authorization: `Bearer ${session.token}` };
    const thread = (await http.post<{ id: string }>('/widget/v1/conversation', {}, { headers })).data;
    await http.post('/widget/v1/messages', { clientMessageId: 'hello', text: `Hello from customer ${i}` }, { headers });
    return { token: session.token, customerId: session.customer.id, threadId: thread.id };
  });
  // CXone learns the thread id from the relayed message; the scratch database is the quicker place to read it.
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string; external: string }>(
      'SELECT id, id_on_external_platform AS external FROM thread WHERE id = ANY($1::uuid[])',
      [made.map((c) => c.threadId)],
    );
    const external = new Map(rows.map((r) => [r.id, r.external]));
    return made.map((c) => {
      const threadExternalId = external.get(c.threadId);
      if (!threadExternalId) throw new Error(`thread ${c.threadId} not in the database`);
      return { ...c, threadExternalId };
    });
  } finally {
    await db.end();
  }
}

/**
 * Agent replies from api A's callback to the customers' event streams on api B: FANOUT_SAMPLE replies at FANOUT_RPS
 * (open loop), each to another customer, timed from just before the request to the arrival of its `message` event.
 */
async function fanout(
  agent: Agent,
  apiA: string,
  cxoneToken: string,
  customers: Customer[],
  streams: EventStream[],
): Promise<{ latencies: number[]; missed: number; callbackFailures: Record<string, number> }> {
  const latencies: number[] = [];
  const callbackFailures: Record<string, number> = {};
  let missed = 0;
  const done: Array<Promise<void>> = [];
  await openLoop(FANOUT_RPS, FANOUT_SAMPLE, (i) => {
    const text = `Fanout reply ${i}`;
    const arrival = streams[i].waitFor(
      (e) => e.event === 'message' && (JSON.parse(e.data) as { text?: string }).text === text,
      FANOUT_TIMEOUT_MS,
      `the message event of reply ${i}`,
    );
    const sentAt = performance.now();
    const answer = postJson(
      agent,
      `${apiA}${OUTBOUND_PATH}`,
      { authorization: `Bearer ${cxoneToken}` },
      outboundBody(customers[i], text),
      REQUEST_TIMEOUT_MS,
    );
    done.push(
      Promise.allSettled([arrival, answer]).then(([event, call]) => {
        if (call.status === 'rejected') {
          const key = (call.reason as { code?: string }).code ?? String(call.reason);
          callbackFailures[key] = (callbackFailures[key] ?? 0) + 1;
        } else if (call.value.status !== 200) {
          callbackFailures[call.value.status] = (callbackFailures[call.value.status] ?? 0) + 1;
        }
        if (event.status === 'fulfilled') latencies.push(event.value.receivedAt - sentAt);
        else missed++;
      }),
    );
  });
  await Promise.all(done);
  return { latencies: latencies.sort((a, b) => a - b), missed, callbackFailures };
}

const failures = (r: LoadResult): number => sum(r.non2xx) + sum(r.errors);
const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

/**
 * `byoc`: the BYOC middleware under a fixed offered load, against the service as deployed (simulator, two api
 * processes and a worker, on a scratch database and Redis prefix). Open-loop POSTs at `rate`/s for `seconds` s
 * (after a warm-up) to (1) a bare Fastify route, the floor; (2) CXone's agent-reply callback on api A; (3) widget
 * posts on api A; then (4) 1,000 widget event streams on api B and agent replies to api A, timed until they arrive
 * on B (through Redis). See README "Benchmarks".
 */
export async function byocBenchmark(config: AppConfig, options = BYOC_DEFAULTS): Promise<void> {
  const { rate, seconds } = options;
  const stack = new BenchStack(config);
  await stack.migrate();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sseAgent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const streams: EventStream[] = [];
  try {
    const sim = await stack.start('simulator', 'src/simulator/main.js', {
      LOG_LEVEL: 'info',
      SIMULATOR_MIDDLEWARE_URL: 'http://127.0.0.1:9/none',
    });
    const control = axios.create({ baseURL: sim.url });
    // Posts are limited per session per minute: the load is spread over every customer, and the limit raised only if
    // a customer would post more than it allows in this run.
    const postsPerCustomer = Math.ceil(((WARMUP_SECONDS + seconds) * rate) / CUSTOMERS) + 1;
    const postLimit = Math.max(config.byoc.widgetPostsPerMinute, postsPerCustomer);
    const appEnv = stack.env({
      SIMULATOR_URL: sim.url,
      SIMULATOR_EMBEDDED: 'false',
      WIDGET_POSTS_PER_MINUTE: String(postLimit),
    });
    const apiA = await stack.start('api-a', 'src/main.js', { ...appEnv, APP_ROLE: 'api' });
    const apiB = await stack.start('api-b', 'src/main.js', { ...appEnv, APP_ROLE: 'api' });
    await stack.start('worker', 'src/main.js', { ...appEnv, APP_ROLE: 'worker' });
    const bare = await stack.start('bare', 'bench/bare-server.js', {});

    const http = axios.create({ baseURL: apiA.url, httpAgent: agent });
    const customers = await createCustomers(http, stack.databaseUrl);
    if ((await relayed(control, CUSTOMERS, 60_000)) === null)
      console.warn(`byoc: the ${CUSTOMERS} first messages were not all relayed to the simulator within 60 s`);
    const cxoneToken = (
      await http.post<{ access_token: string }>('/integration/box/1.0/token', {
        grant_type: 'client_credentials',
        client_id: config.simulator.middlewareClientId,
        client_secret: config.simulator.middlewareClientSecret,
      })
    ).data.access_token;

    const load = {
      rate,
      seconds,
      warmupSeconds: WARMUP_SECONDS,
      timeoutMs: REQUEST_TIMEOUT_MS,
      maxSockets: MAX_SOCKETS,
    };
    // the same body as the callback, so both parse the same JSON
    const bareResult = await runLoadClient({
      ...load,
      baseUrl: bare.url,
      requests: [{ path: '/bare', headers: {}, body: outboundBody(customers[0], 'Bare reply %SEQ%') }],
    });
    const callback = await runLoadClient({
      ...load,
      baseUrl: apiA.url,
      requests: customers.map((c) => ({
        path: OUTBOUND_PATH,
        headers: { authorization: `Bearer ${cxoneToken}` },
        body: outboundBody(c, 'Agent reply %SEQ%'),
      })),
    });
    const widget = await runLoadClient({
      ...load,
      baseUrl: apiA.url,
      requests: customers.map((c) => ({
        path: '/widget/v1/messages',
        headers: { authorization: `Bearer ${c.token}` },
        body: JSON.stringify({ clientMessageId: 'bench-%SEQ%', text: 'Customer message %SEQ%' }),
      })),
    });
    const relayMs = await relayed(control, CUSTOMERS + widget.okAll, 120_000);

    // ── fan-out: every customer's event stream open on api B, replies through api A ──
    await mapLimit(CUSTOMERS, 50, async (i) => {
      const stream = await EventStream.open(sseAgent, `${apiB.url}/widget/v1/events`, {
        authorization: `Bearer ${customers[i].token}`,
      });
      streams[i] = stream;
      const first = await withTimeout(stream.first, 30_000, `the first event of stream ${i}`);
      if (first.event !== 'conversation') throw new Error(`stream ${i} began with ${first.event}, not conversation`);
    });
    const spread = await fanout(agent, apiA.url, cxoneToken, customers, streams);
    const droppedStreams = streams.filter((s) => s.closedByServer).length;

    const row = (path: string, r: LoadResult, target: string): Record<string, string | number> => ({
      path,
      sent: r.sent,
      '2xx': r.ok,
      non2xx: sum(r.non2xx),
      errors: sum(r.errors),
      p50Ms: round(r.p50Ms),
      p99Ms: round(r.p99Ms),
      maxMs: round(r.maxMs),
      answersPerS: round(r.achievedRps, 0),
      target,
    });
    const within = (r: LoadResult): string =>
      `p99 < ${P99_TARGET_MS} ms: ${verdict(r.p99Ms < P99_TARGET_MS)}; ≤ 2× bare (${round(2 * bareResult.p99Ms)} ms): ${verdict(r.p99Ms <= 2 * bareResult.p99Ms)}`;
    printTable(
      `byoc: open-loop POSTs at ${rate}/s for ${seconds} s (after ${WARMUP_SECONDS} s warm-up), latency from the scheduled send`,
      [
        row('bare Fastify route (floor)', bareResult, '-'),
        row(
          'CXone callback POST …/2.0/channel/{id}/outbound (api A)',
          callback,
          `${within(callback)}; CXone < ${CXONE_ANSWER_MS} ms: ${verdict(callback.maxMs < CXONE_ANSWER_MS)}`,
        ),
        row('widget POST /widget/v1/messages (api A)', widget, within(widget)),
      ],
    );
    const fanoutP50 = percentile(spread.latencies, 50);
    const fanoutP99 = percentile(spread.latencies, 99);
    printTable(
      `byoc fan-out: ${CUSTOMERS} event streams on api B; ${FANOUT_SAMPLE} agent replies to api A at ${FANOUT_RPS}/s`,
      [
        {
          streams: CUSTOMERS,
          replies: FANOUT_SAMPLE,
          delivered: spread.latencies.length,
          missed: spread.missed,
          callbackFailures: sum(spread.callbackFailures),
          droppedStreams,
          p50Ms: round(fanoutP50),
          p99Ms: round(fanoutP99),
          maxMs: round(spread.latencies[spread.latencies.length - 1] ?? 0),
        },
      ],
    );
    console.log(
      `widget posts spread over ${CUSTOMERS} sessions (at most ${postsPerCustomer} per session in this run); ` +
        `WIDGET_POSTS_PER_MINUTE=${postLimit}` +
        (postLimit > config.byoc.widgetPostsPerMinute
          ? ` (raised from ${config.byoc.widgetPostsPerMinute} for this load)`
          : ' (not raised)'),
    );
    console.log(
      relayMs === null
        ? `the worker had NOT relayed all ${widget.okAll} accepted widget posts to the simulator within 120 s of the last answer`
        : `the worker relayed all ${widget.okAll} accepted widget posts to the simulator ${round(relayMs / 1000)} s after the last answer`,
    );
    console.log(
      `sender lag (max behind schedule): bare ${round(bareResult.maxSendLagMs)} ms, callback ${round(callback.maxSendLagMs)} ms, widget ${round(widget.maxSendLagMs)} ms`,
    );

    const problems = [
      ...(
        [
          ['bare', bareResult],
          ['callback', callback],
          ['widget', widget],
        ] as const
      ).flatMap(([name, r]) => [
        ...Object.entries(r.non2xx).map(([s, n]) => `${name}: ${n} answered ${s}: ${r.non2xxSamples[s]}`),
        ...Object.entries(r.errors).map(([e, n]) => `${name}: ${n} without an answer (${e})`),
        ...(r.warmupFailures > 0 ? [`${name}: ${r.warmupFailures} warm-up requests failed`] : []),
      ]),
      ...Object.entries(spread.callbackFailures).map(([s, n]) => `fan-out: ${n} callbacks failed (${s})`),
      ...(spread.missed > 0
        ? [
            `fan-out: ${spread.missed} replies never reached their stream on api B within ${FANOUT_TIMEOUT_MS} ms ` +
              `(p50/p99 are over the delivered ones; look for "subscribe contact:" warnings in api B's log)`,
          ]
        : []),
      ...(droppedStreams > 0 ? [`fan-out: api B closed ${droppedStreams} event streams`] : []),
    ];
    if (problems.length > 0) {
      console.error(`\n!!!!! byoc: THIS RUN HAD ERRORS (${problems.length} kinds); its numbers are not clean !!!!!`);
      for (const p of problems) console.error(`  - ${p}`);
    }

    recordResult('byoc', {
      offeredRps: rate,
      durationSeconds: seconds,
      warmupSeconds: WARMUP_SECONDS,
      callbackP50Ms: round(callback.p50Ms),
      callbackP99Ms: round(callback.p99Ms),
      callbackRps: round(callback.achievedRps, 0),
      callbackFailed: failures(callback),
      widgetPostP50Ms: round(widget.p50Ms),
      widgetPostP99Ms: round(widget.p99Ms),
      widgetPostRps: round(widget.achievedRps, 0),
      widgetPostFailed: failures(widget),
      widgetSessions: CUSTOMERS,
      widgetPostsPerMinute: postLimit,
      bareP50Ms: round(bareResult.p50Ms),
      bareP99Ms: round(bareResult.p99Ms),
      bareRps: round(bareResult.achievedRps, 0),
      fanoutStreams: CUSTOMERS,
      fanoutReplies: FANOUT_SAMPLE,
      fanoutRps: FANOUT_RPS,
      fanoutP50Ms: round(fanoutP50),
      fanoutP99Ms: round(fanoutP99),
      fanoutMissed: spread.missed,
    });
  } finally {
    for (const stream of streams) stream?.close();
    agent.destroy();
    sseAgent.destroy();
    await stack.teardown();
  }
}
