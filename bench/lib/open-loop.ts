import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

/**
 * Open-loop load: requests go out on a fixed schedule (request i at start + i / rate), whether or not earlier ones
 * were answered, so a slow server cannot slow the sender down and hide its own latency (coordinated omission).
 * Latency is counted from the scheduled send time, so a sender that fell behind shows up in the numbers too (and in
 * maxSendLagMs).
 */
export async function openLoop(
  rate: number,
  count: number,
  send: (i: number, scheduledAt: number) => void,
): Promise<{ maxSendLagMs: number }> {
  const interval = 1000 / rate;
  const start = performance.now();
  let next = 0;
  let maxSendLagMs = 0;
  while (next < count) {
    while (next < count && start + next * interval <= performance.now()) {
      const scheduledAt = start + next * interval;
      maxSendLagMs = Math.max(maxSendLagMs, performance.now() - scheduledAt);
      send(next, scheduledAt);
      next++;
    }
    const wait = start + next * interval - performance.now();
    if (next < count) await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
  return { maxSendLagMs };
}

export interface Answer {
  status: number;
  /** The first 300 characters of the body (the whole body is read either way). */
  body: string;
}

/** One JSON POST on a keep-alive agent; rejects on a network error or no answer within timeoutMs. */
export function postJson(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 300) text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.slice(0, 300) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** What bench/load-client.ts is told to send (on its standard input). */
export interface LoadSpec {
  baseUrl: string;
  rate: number;
  /** Measured seconds, after warmupSeconds at the same rate (not counted). */
  seconds: number;
  warmupSeconds: number;
  /**
   * Requests cycled in order: request i is requests[i % length], with every `%SEQ%` in its path and body replaced by
   * a number unique within the run (message ids, texts).
   */
  requests: Array<{ path: string; headers: Record<string, string>; body: string }>;
  timeoutMs: number;
  maxSockets: number;
}

export interface LoadResult {
  offeredRps: number;
  seconds: number;
  /** Measured requests sent, and those answered 2xx. */
  sent: number;
  ok: number;
  /** 2xx answers including the warm-up (what the service stored). */
  okAll: number;
  /** Measured answers that were not 2xx, by status, with one body each. */
  non2xx: Record<string, number>;
  non2xxSamples: Record<string, string>;
  /** Measured requests without an answer (network error, timeout), by message. */
  errors: Record<string, number>;
  /** Warm-up requests not answered 2xx. */
  warmupFailures: number;
  /** Over 2xx answers, from the scheduled send time to the end of the answer. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** 2xx answers per second, from the first measured scheduled send to the last answer. */
  achievedRps: number;
  maxSendLagMs: number;
}

export const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** Runs the open-loop sender in its own process (so this process's work is not in its timings). */
export function runLoadClient(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'load-client.js')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load client exited ${code}`)),
    );
    child.stdin.end(JSON.stringify(spec));
  });
}
