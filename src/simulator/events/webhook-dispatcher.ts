import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { DfoPushedEvent } from '@/integrations/cxone/dfo.types';
import { isoAt, realNowMs, SimClock } from '@/simulator/common/clock';
import { FieldCheck, isObject } from '@/simulator/common/field-check';
import { ControlError } from '@/simulator/common/sim-errors';
import { SimSettings } from '@/simulator/state/sim-settings';
import { RequestLog } from '@/simulator/traffic/request-log';
import { TrafficStats } from '@/simulator/traffic/traffic-stats';
import { webhookAuthHeaders } from './webhook-signature';

/** Events kept for GET /sim/webhooks and redelivery (the oldest are forgotten first). */
const HISTORY = 10_000;
/** What is kept of a webhook's answer body. */
const MAX_ANSWER_CHARS = 4_096;

export type DeliveryState = 'pending' | 'delivered' | 'failed';

interface Delivery {
  event: DfoPushedEvent;
  /** The exact bytes sent (and signed), the same for every attempt and redelivery. */
  raw: string;
  attempts: number;
  lastStatus: number | null;
  lastError?: string;
  lastAttemptAt: string | null;
  /** pending while automatic attempts remain; delivered once an untampered attempt got a 2xx; else failed. */
  state: DeliveryState;
  /** Unix seconds of the first attempt (a redelivery with reuseTimestamp signs with it again). */
  firstTimestamp: number | null;
}

export interface AttemptResult {
  eventId: string;
  status: number | null;
  ok: boolean;
  error?: string;
  timestamp: number;
  tampered: boolean;
  attempts: number;
}

interface AttemptOptions {
  tamper: boolean;
  reuseTimestamp: boolean;
}

/**
 * Pushes DFO events to webhookUrl as JSON, authenticated per webhookAuth (see webhook-signature.ts), in the
 * background: the request that caused an event never waits for it. A non-2xx answer or no answer (refused
 * connection, webhookTimeoutMs) is retried webhookRetries times, after webhookRetryBackoffMs, then twice that, and
 * so on. Each attempt is a request-log entry (direction 'to-webhook', operation 'webhook'). No ordering between
 * events is promised. Reset and shutdown abort what is in flight or waiting.
 */
@Injectable()
export class WebhookDispatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private deliveries = new Map<string, Delivery>();
  private abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly settings: SimSettings,
    private readonly log: RequestLog,
    private readonly stats: TrafficStats,
    private readonly clock: SimClock,
  ) {}

  /** Records the event and starts delivering it (does not wait). */
  publish(event: DfoPushedEvent): void {
    const delivery: Delivery = {
      event,
      raw: JSON.stringify(event),
      attempts: 0,
      lastStatus: null,
      lastAttemptAt: null,
      state: 'pending',
      firstTimestamp: null,
    };
    this.deliveries.set(event.eventId, delivery);
    if (this.deliveries.size > HISTORY) this.deliveries.delete(this.deliveries.keys().next().value!);
    this.stats.webhookEvent();
    const run: Promise<void> = this.deliver(delivery, this.abort.signal)
      .catch((err: unknown) => this.logger.warn(`delivery of event ${event.eventId} failed: ${String(err)}`))
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** GET /sim/webhooks[?eventType=&state=]: oldest first. */
  list(query: Record<string, unknown>): Array<Record<string, unknown>> {
    const check = new FieldCheck();
    const eventType = check.optionalString(query.eventType, 'eventType');
    const state = check.optionalOneOf(query.state, 'state', ['pending', 'delivered', 'failed'] as const);
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    return [...this.deliveries.values()]
      .filter((d) => (!eventType || d.event.eventType === eventType) && (!state || d.state === state))
      .map((d) => ({
        eventId: d.event.eventId,
        eventObject: d.event.eventObject,
        eventType: d.event.eventType,
        createdAt: d.event.createdAtWithMilliseconds,
        state: d.state,
        attempts: d.attempts,
        lastStatus: d.lastStatus,
        ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
        lastAttemptAt: d.lastAttemptAt,
        body: d.event,
      }));
  }

  /**
   * POST /sim/webhooks/{eventId}/redeliver: one more attempt with the same event (same eventId, same bytes), waited
   * for, without retries. `tamper` sends a wrong signature (or bearer token); `reuseTimestamp` signs with the first
   * attempt's timestamp, so the request repeats the first one byte for byte (a replay).
   */
  async redeliver(eventId: string, body: unknown, query: Record<string, unknown>): Promise<AttemptResult> {
    const options = this.redeliveryOptions(body, query);
    const delivery = this.deliveries.get(eventId);
    if (!delivery) throw new ControlError(404, `event ${eventId} was not pushed (or is no longer kept)`);
    if (!this.settings.value.webhookUrl) throw new ControlError(409, 'webhookUrl is not set: nowhere to deliver');
    return this.attempt(delivery, options, this.abort.signal);
  }

  /** Forgets every event and abandons the deliveries in flight or waiting for a retry. */
  reset(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.deliveries = new Map();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(delivery: Delivery, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return;
      if (delivery.state === 'delivered') return; // a redelivery got there first
      const result = await this.attempt(delivery, { tamper: false, reuseTimestamp: false }, signal);
      if (signal.aborted) return;
      if (result.ok) {
        delivery.state = 'delivered';
        this.stats.webhookSettled(true);
        return;
      }
      const s = this.settings.value;
      if (attempt >= s.webhookRetries || !s.webhookUrl) {
        delivery.state = 'failed';
        this.stats.webhookSettled(false);
        return;
      }
      await abortableSleep(s.webhookRetryBackoffMs * 2 ** attempt, signal);
    }
  }

  private async attempt(delivery: Delivery, options: AttemptOptions, signal: AbortSignal): Promise<AttemptResult> {
    const s = this.settings.value;
    const eventId = delivery.event.eventId;
    const timestamp =
      options.reuseTimestamp && delivery.firstTimestamp !== null
        ? delivery.firstTimestamp
        : Math.floor(this.clock.nowMs() / 1000);
    if (!options.tamper) delivery.firstTimestamp ??= timestamp;
    const base = { eventId, timestamp, tampered: options.tamper };
    const url = s.webhookUrl;
    if (!url) return this.record(delivery, { ...base, status: null, ok: false, error: 'webhookUrl is not set' });
    const auth = webhookAuthHeaders(s.webhookAuth, s.webhookSecret, timestamp, delivery.raw, options.tamper);
    const started = realNowMs();
    const entry = this.log.append({
      at: this.clock.nowMs(),
      direction: 'to-webhook',
      method: 'POST',
      path: new URL(url).pathname,
      operation: 'webhook',
      tenantId: delivery.event.data.brand.tenantId,
      status: null,
      durationMs: null,
      body: delivery.event,
      eventId,
      headers: auth,
    });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'cxone-simulator', ...auth },
        body: delivery.raw,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(s.webhookTimeoutMs)]),
      });
      const text = await response.text();
      entry.status = response.status;
      entry.durationMs = realNowMs() - started;
      if (text !== '') entry.responseBody = parseAnswer(text);
      const ok = response.status >= 200 && response.status < 300;
      return this.record(delivery, { ...base, status: response.status, ok });
    } catch (err: unknown) {
      const message = describeError(err);
      entry.durationMs = realNowMs() - started;
      entry.error = message;
      if (!signal.aborted) this.logger.warn(`POST ${url} (event ${eventId}) failed: ${message}`);
      return this.record(delivery, { ...base, status: null, ok: false, error: message });
    }
  }

  private record(delivery: Delivery, result: Omit<AttemptResult, 'attempts'>): AttemptResult {
    delivery.attempts++;
    delivery.lastStatus = result.status;
    delivery.lastAttemptAt = isoAt(this.clock.nowMs());
    if (result.error !== undefined) delivery.lastError = result.error;
    else delete delivery.lastError;
    if (result.ok && !result.tampered) delivery.state = 'delivered';
    this.stats.webhookAttempt(result.ok);
    return { ...result, attempts: delivery.attempts };
  }

  /** `{tamper?, reuseTimestamp?}` from the JSON body or the query string (`?tamper=true`). */
  private redeliveryOptions(body: unknown, query: Record<string, unknown>): AttemptOptions {
    const check = new FieldCheck();
    let b: Record<string, unknown> = {};
    if (body !== undefined && body !== null) {
      if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object (or empty)');
      check.noExtraKeys(body, ['tamper', 'reuseTimestamp']);
      b = body;
    }
    const flag = (name: 'tamper' | 'reuseTimestamp'): boolean => {
      const fromBody = check.optionalBoolean(b[name], name);
      const raw = query[name];
      if (raw === undefined) return fromBody ?? false;
      if (raw !== 'true' && raw !== 'false') {
        check.add(name, `${name} must be true or false`, 'invalidValue');
        return false;
      }
      return raw === 'true' || fromBody === true;
    };
    const options = { tamper: flag('tamper'), reuseTimestamp: flag('reuseTimestamp') };
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    return options;
  }
}

function parseAnswer(text: string): unknown {
  const clipped = text.length > MAX_ANSWER_CHARS ? text.slice(0, MAX_ANSWER_CHARS) : text;
  try {
    return JSON.parse(clipped) as unknown;
  } catch {
    return clipped;
  }
}

/**
 * fetch errors carry the useful part (ECONNREFUSED, …) in `cause`. Duck-typed: they come from Node's own realm, so
 * `instanceof Error` is not reliable (under Jest it is false).
 */
function describeError(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; cause?: { message?: unknown; code?: unknown } } | null;
  if (typeof e?.message !== 'string') return String(err);
  if (e.name === 'TimeoutError') return 'timed out (webhookTimeoutMs)';
  const cause = typeof e.cause?.message === 'string' ? e.cause.message : undefined;
  return cause ? `${e.message}: ${cause}` : e.message;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
