/**
 * `campaign watch <id>`: follows a campaign through the admin API (so it works from any machine that reaches the
 * service) and prints a progress bar, sent/total, rate and ETA until the campaign is COMPLETED or CANCELLED.
 */

/** The parts of a campaign (GET /api/v1/campaigns/{id}, or a `progress` event) the watch shows. */
export interface WatchedCampaign {
  id: string;
  name: string;
  status: string;
  counts: { total: number; sent: number; failed: number };
  progress: { done: number; remaining: number; sendRatePerSecond: number | null; etaSeconds: number | null };
}

export interface WatchOptions {
  baseUrl: string;
  apiKey: string;
  campaignId: string;
  /** Where the bar goes; a TTY gets one line redrawn in place, anything else a line per change. */
  out: NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean; columns?: number };
  /** How long the stream may stay broken (reconnecting) before the watch gives up. */
  giveUpAfterMs?: number;
  signal?: AbortSignal;
}

export class WatchError extends Error {}

const FINAL = new Set(['COMPLETED', 'CANCELLED']);
const RETRY_MS = 2000;

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** One line: `[#######-------]  12/20 sent  1 failed  2.0/s  ETA 4s  RUNNING`. */
export function progressLine(c: WatchedCampaign, barWidth = 30): string {
  const total = c.counts.total;
  const filled = total === 0 ? barWidth : Math.min(barWidth, Math.floor((c.progress.done / total) * barWidth));
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
  const rate = c.progress.sendRatePerSecond === null ? '?/s' : `${c.progress.sendRatePerSecond.toFixed(1)}/s`;
  const eta = c.status === 'RUNNING' ? `ETA ${formatDuration(c.progress.etaSeconds)}` : 'ETA -';
  return [
    bar,
    `${c.counts.sent}/${total} sent`,
    ...(c.counts.failed > 0 ? [`${c.counts.failed} failed`] : []),
    rate,
    eta,
    c.status,
  ].join('  ');
}

/** Splits a Server-Sent Events text stream into events; feed it chunks, it returns the complete events so far. */
export class SseParser {
  private buffer = '';

  push(chunk: string): Array<{ type: string; data: string }> {
    this.buffer += chunk;
    const blocks = this.buffer.split(/\r?\n\r?\n/);
    this.buffer = blocks.pop() ?? '';
    const events: Array<{ type: string; data: string }> = [];
    for (const block of blocks) {
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) events.push({ type, data: data.join('\n') });
    }
    return events;
  }
}

async function apiMessage(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return `${response.status}: ${body.message}`;
  } catch {
    // not the API's JSON error: say what came back
  }
  return `${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

/**
 * Watches until the campaign ends and returns its last state. Answers the API refuses (401, 403, 404, 400) end the
 * watch with a WatchError carrying the API's message, and so does a service it cannot reach at all; once it has
 * answered, a dropped connection or a 5xx is retried (the stream starts with the campaign as it is now) until it has
 * been broken for `giveUpAfterMs`.
 */
export async function watchCampaign(options: WatchOptions): Promise<WatchedCampaign> {
  const { out } = options;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/api/v1/campaigns/${encodeURIComponent(options.campaignId)}/progress`;
  const giveUpAfterMs = options.giveUpAfterMs ?? 60_000;
  let last: WatchedCampaign | undefined;
  let lastLine = '';
  let brokenSince: number | undefined;

  const show = (c: WatchedCampaign): void => {
    const width = out.isTTY ? Math.max(10, Math.min(30, (out.columns ?? 80) - 60)) : 30;
    const line = progressLine(c, width);
    if (line === lastLine) return;
    lastLine = line;
    if (out.isTTY) out.write(`\r\x1b[2K${line}`);
    else out.write(`${line}\n`);
  };

  for (;;) {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${options.apiKey}`, accept: 'text/event-stream' },
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // a wrong URL fails at once; a service that went away after answering is waited for
      if (last === undefined) throw new WatchError(`cannot reach ${options.baseUrl}: ${errorText(err)}`);
      await pause(brokenSince, giveUpAfterMs, `cannot reach ${options.baseUrl}: ${errorText(err)}`);
      brokenSince ??= Date.now();
      continue;
    }
    if (!response.ok) {
      if (response.status >= 500) {
        const message = await apiMessage(response);
        await pause(brokenSince, giveUpAfterMs, `the service answered ${message}`);
        brokenSince ??= Date.now();
        continue;
      }
      throw new WatchError(`the service refused the watch: ${await apiMessage(response)}`);
    }
    brokenSince = undefined;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (event.type !== 'progress') continue;
          last = JSON.parse(event.data) as WatchedCampaign;
          show(last);
        }
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // the connection broke mid-stream: reopen it below
    }
    if (last && FINAL.has(last.status)) {
      if (out.isTTY) out.write('\n');
      return last;
    }
    await pause(brokenSince, giveUpAfterMs, 'the progress stream ended before the campaign did');
    brokenSince ??= Date.now();
  }
}

async function pause(brokenSince: number | undefined, giveUpAfterMs: number, why: string): Promise<void> {
  if (brokenSince !== undefined && Date.now() - brokenSince > giveUpAfterMs) {
    throw new WatchError(`${why} (for ${Math.round(giveUpAfterMs / 1000)} s): giving up`);
  }
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
}

function errorText(err: unknown): string {
  // duck-typed: fetch's errors may come from another realm (undici), where instanceof Error is false
  const message = (e: unknown): string | undefined =>
    typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
      ? (e as { message: string }).message
      : undefined;
  const own = message(err);
  if (own === undefined) return String(err);
  const cause = message((err as { cause?: unknown }).cause);
  return cause === undefined ? own : `${own} (${cause})`;
}
