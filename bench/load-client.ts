/**
 * The open-loop sender of the byoc benchmark, in its own process: reads a LoadSpec (JSON) from standard input, sends
 * POSTs on its schedule over a keep-alive agent, prints one LoadResult line.
 */
import { Agent } from 'node:http';
import { LoadResult, LoadSpec, openLoop, percentile, postJson } from './lib/open-loop';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

async function main(): Promise<void> {
  const spec = JSON.parse(await readStdin()) as LoadSpec;
  const agent = new Agent({ keepAlive: true, maxSockets: spec.maxSockets });
  const warmup = Math.round(spec.warmupSeconds * spec.rate);
  const total = warmup + Math.round(spec.seconds * spec.rate);
  const latencies: number[] = [];
  const non2xx: Record<string, number> = {};
  const non2xxSamples: Record<string, string> = {};
  const errors: Record<string, number> = {};
  let okAll = 0;
  let warmupFailures = 0;
  let measuredStart = 0;
  let lastAnswer = 0;
  const pending = new Set<Promise<void>>();

  const send = (i: number, scheduledAt: number): void => {
    const template = spec.requests[i % spec.requests.length];
    const seq = String(i);
    const measured = i >= warmup;
    if (i === warmup) measuredStart = scheduledAt;
    const call = postJson(
      agent,
      `${spec.baseUrl}${template.path.replaceAll('%SEQ%', seq)}`,
      template.headers,
      template.body.replaceAll('%SEQ%', seq),
      spec.timeoutMs,
    )
      .then((answer) => {
        const ok = answer.status >= 200 && answer.status < 300;
        if (ok) okAll++;
        if (!measured) {
          if (!ok) warmupFailures++;
          return;
        }
        if (ok) {
          lastAnswer = performance.now();
          latencies.push(lastAnswer - scheduledAt);
          return;
        }
        non2xx[answer.status] = (non2xx[answer.status] ?? 0) + 1;
        non2xxSamples[answer.status] ??= answer.body;
      })
      .catch((err: unknown) => {
        if (!measured) {
          warmupFailures++;
          return;
        }
        const key = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
        errors[key] = (errors[key] ?? 0) + 1;
      })
      .finally(() => pending.delete(call));
    pending.add(call);
  };

  const { maxSendLagMs } = await openLoop(spec.rate, total, send);
  while (pending.size > 0) await Promise.all([...pending]);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const result: LoadResult = {
    offeredRps: spec.rate,
    seconds: spec.seconds,
    sent: total - warmup,
    ok: latencies.length,
    okAll,
    non2xx,
    non2xxSamples,
    errors,
    warmupFailures,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? 0,
    achievedRps: latencies.length > 0 ? (latencies.length * 1000) / (lastAnswer - measuredStart) : 0,
    maxSendLagMs,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
