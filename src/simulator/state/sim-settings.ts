import { Injectable } from '@nestjs/common';
import { AppConfig } from '@/config';
import { FieldCheck, isObject } from '@/simulator/common/field-check';
import { ControlError } from '@/simulator/common/sim-errors';
import { CXONE_OPERATIONS, CxoneOperation } from '@/simulator/traffic/operations';

export type RecipientsFieldMode = 'either' | 'recipients' | 'endUserRecipients';

/** Everything the simulator lets tests change at run time (GET/PATCH /sim/config). */
export interface SimulatorSettings {
  /** Lifetime of issued access tokens. */
  tokenTtlSeconds: number;
  /** Accepted POST …/outbound per tenant in any sliding 1,000 ms window. */
  outboundRatePerSecond: number;
  /** Retry-After on 429: delta-seconds or an HTTP date [I]. */
  retryAfterFormat: 'seconds' | 'http-date';
  /** A repeated message idOnExternalPlatform on a channel returns the first answer and creates nothing [I]. */
  dedupeMessages: boolean;
  /** Which recipients array /outbound accepts [disputed]. */
  recipientsField: RecipientsFieldMode;
  /** Free text to a WhatsApp customer is refused when their last inbound message is older than this. */
  whatsappWindowHours: number;
  /** Per-contact token bucket ("update specific contact"). */
  contactBucketBurst: number;
  contactBucketRefillPerMinute: number;
  /** Added to every CXone-facing request (plus a uniform random 0..jitter). */
  latencyMs: number;
  latencyJitterMs: number;
  /** Fraction answered 500/503 without being applied. */
  errorRate: number;
  /** Fraction held for hangMs, then the connection is destroyed, without being applied. */
  timeoutRate: number;
  /** Fraction applied, then the connection is destroyed without an answer. */
  dropRate: number;
  hangMs: number;
  /** Operations the random faults and latency apply to ('any' = every CXone-facing request). */
  faultOperations: Array<CxoneOperation | 'any'>;
  /** Deliver outbound accepted on BYOC ('custom'/'chat') channels to the middleware's 2.1 endpoint [I]. */
  deliverByocOutbound: boolean;
  /** The BYOC middleware this simulated CXone calls. */
  middlewareUrl: string;
  middlewareClientId: string;
  middlewareClientSecret: string;
  middlewareTimeoutMs: number;
  /** Entries kept by the request log (a ring buffer; changing it keeps the newest entries). */
  requestLogCapacity: number;
  /** Each CXone-facing request waits a uniform random 0..arrivalJitterMs before it is stamped, logged and limited. */
  arrivalJitterMs: number;
  /** DFO "get contact (incl. contact messages)": a token bucket per tenant (120,000 / hour, cxone-api.md §5). */
  contactReadsPerHour: number;
  contactReadBurst: number;
  /** Default order of GET /contacts/{n}/messages [I]; `?sortingType=` overrides it per request. */
  contactMessagesOrder: 'asc' | 'desc';
  /** CXone processes STOP/START itself on SMS channels and refuses outbound to opted-out numbers [I]. */
  nativeOptOut: boolean;
  optOutRefusalStatus: 400 | 403 | 422;
  optOutErrorCode: string;
  /** Where DFO events are pushed (null: nowhere), and how each push is authenticated. */
  webhookUrl: string | null;
  webhookSecret: string;
  webhookAuth: 'hmac' | 'bearer';
  /** Retries after a failed push (non-2xx or no answer), waiting webhookRetryBackoffMs, then twice that, … */
  webhookRetries: number;
  webhookRetryBackoffMs: number;
  webhookTimeoutMs: number;
  /** The simulated agent asks the middleware's recipients/validation before an agent-initiated BYOC outbound [S]. */
  recipientValidation: boolean;
  /** BYOC replies: /2.0/channel/{id}/outbound (true) or the legacy /1.0/posts/{postId}/messages (false) [disputed].
   * A channel's own setting (PATCH /sim/channels/{id}/settings) overrides it. */
  useDfo3Outbound: boolean;
}

type Rule = (check: FieldCheck, value: unknown, field: string) => unknown;

const num =
  (min: number, max: number, integer = false): Rule =>
  (check, value, field) =>
    check.number(value, field, { min, max, integer });
const bool: Rule = (check, value, field) => check.boolean(value, field);
const oneOf =
  (values: readonly string[]): Rule =>
  (check, value, field) =>
    check.oneOf(value, field, values);
const text: Rule = (check, value, field) => check.string(value, field);
/** An http(s) URL; a base URL (paths are appended to it) loses its trailing slashes. */
const httpUrl =
  (base: boolean): Rule =>
  (check, value, field) => {
    const s = check.string(value, field);
    if (s === undefined) return undefined;
    try {
      const parsed = new URL(s);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return base ? s.replace(/\/+$/, '') : s;
    } catch {
      // reported below
    }
    check.add(field, `${field} must be an http(s) URL`, 'invalidFormat');
    return undefined;
  };
const url = httpUrl(true);
/** An endpoint URL used as given; null unsets it. */
const nullableUrl: Rule = (check, value, field) => (value === null ? null : httpUrl(false)(check, value, field));
const operations: Rule = (check, value, field) => {
  const list = check.array(value, field, { nonEmpty: true });
  if (!list) return undefined;
  const allowed: readonly string[] = ['any', ...CXONE_OPERATIONS];
  list.forEach((item, i) => check.oneOf(item, `${field}[${i}]`, allowed));
  return list;
};

const RULES: Record<keyof SimulatorSettings, Rule> = {
  tokenTtlSeconds: num(1, 86_400 * 30, true),
  outboundRatePerSecond: num(1, 1_000_000, true),
  retryAfterFormat: oneOf(['seconds', 'http-date']),
  dedupeMessages: bool,
  recipientsField: oneOf(['either', 'recipients', 'endUserRecipients']),
  whatsappWindowHours: num(0, 24 * 365),
  contactBucketBurst: num(1, 1_000_000, true),
  contactBucketRefillPerMinute: num(0, 60_000_000),
  latencyMs: num(0, 120_000, true),
  latencyJitterMs: num(0, 120_000, true),
  errorRate: num(0, 1),
  timeoutRate: num(0, 1),
  dropRate: num(0, 1),
  hangMs: num(0, 600_000, true),
  faultOperations: operations,
  deliverByocOutbound: bool,
  middlewareUrl: url,
  middlewareClientId: text,
  middlewareClientSecret: text,
  middlewareTimeoutMs: num(100, 120_000, true),
  requestLogCapacity: num(1, 5_000_000, true),
  arrivalJitterMs: num(0, 120_000, true),
  contactReadsPerHour: num(1, 1_000_000_000, true),
  contactReadBurst: num(1, 1_000_000_000, true),
  contactMessagesOrder: oneOf(['asc', 'desc']),
  nativeOptOut: bool,
  optOutRefusalStatus: (check, value, field) => {
    if (value === 400 || value === 403 || value === 422) return value;
    check.add(field, `${field} must be one of: 400, 403, 422`, 'invalidValue');
    return undefined;
  },
  optOutErrorCode: (check, value, field) => {
    const code = check.string(value, field, { maxLength: 64 });
    if (code !== undefined && !/^[A-Za-z0-9_.-]+$/.test(code)) {
      check.add(field, `${field} must be letters, digits, _, . or -`, 'invalidFormat');
      return undefined;
    }
    return code;
  },
  webhookUrl: nullableUrl,
  webhookSecret: text,
  webhookAuth: oneOf(['hmac', 'bearer']),
  webhookRetries: num(0, 10, true),
  webhookRetryBackoffMs: num(0, 60_000, true),
  webhookTimeoutMs: num(100, 120_000, true),
  recipientValidation: bool,
  useDfo3Outbound: bool,
};

const SECRET_SETTINGS: ReadonlyArray<keyof SimulatorSettings> = ['middlewareClientSecret', 'webhookSecret'];

type Listener = (changed: ReadonlyArray<keyof SimulatorSettings>) => void;

/** The live settings: defaults from AppConfig (config.simulator), changed by PATCH /sim/config, restored by reset. */
@Injectable()
export class SimSettings {
  private current: SimulatorSettings;
  private readonly listeners: Listener[] = [];

  constructor(private readonly config: AppConfig) {
    this.current = SimSettings.defaults(config);
  }

  static defaults(config: AppConfig): SimulatorSettings {
    const sim = config.simulator;
    return {
      tokenTtlSeconds: sim.tokenTtlSeconds,
      outboundRatePerSecond: sim.outboundRatePerSecond,
      retryAfterFormat: sim.retryAfterFormat,
      dedupeMessages: sim.dedupeMessages,
      recipientsField: 'either',
      whatsappWindowHours: 24,
      contactBucketBurst: 250,
      contactBucketRefillPerMinute: 17,
      latencyMs: sim.latencyMs,
      latencyJitterMs: 0,
      errorRate: 0,
      timeoutRate: 0,
      dropRate: 0,
      hangMs: 30_000,
      faultOperations: ['any'],
      deliverByocOutbound: true,
      middlewareUrl: sim.middlewareUrl,
      middlewareClientId: sim.middlewareClientId,
      middlewareClientSecret: sim.middlewareClientSecret,
      middlewareTimeoutMs: 10_000,
      requestLogCapacity: 500_000,
      arrivalJitterMs: sim.arrivalJitterMs,
      contactReadsPerHour: 120_000,
      contactReadBurst: 2_000,
      contactMessagesOrder: sim.contactMessagesOrder,
      nativeOptOut: sim.nativeOptOut,
      optOutRefusalStatus: sim.optOutRefusalStatus,
      optOutErrorCode: sim.optOutErrorCode,
      webhookUrl: sim.webhookUrl,
      webhookSecret: sim.webhookSecret,
      webhookAuth: sim.webhookAuth,
      webhookRetries: 3,
      webhookRetryBackoffMs: 100,
      webhookTimeoutMs: 5_000,
      recipientValidation: sim.recipientValidation,
      useDfo3Outbound: sim.useDfo3Outbound,
    };
  }

  /** The live object: read it on every request, never keep a copy. */
  get value(): Readonly<SimulatorSettings> {
    return this.current;
  }

  /** The settings as GET /sim/config shows them (secrets masked). */
  describe(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.current };
    for (const key of SECRET_SETTINGS) out[key] = '***';
    return out;
  }

  /** Validates and applies a partial update; throws a 400 naming every bad field and changes nothing then. */
  patch(body: unknown): void {
    if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object of settings to change');
    const check = new FieldCheck();
    check.noExtraKeys(body, Object.keys(RULES));
    const next: Record<string, unknown> = { ...this.current };
    const changed: Array<keyof SimulatorSettings> = [];
    for (const [key, value] of Object.entries(body)) {
      const rule = RULES[key as keyof SimulatorSettings] as Rule | undefined;
      if (!rule) continue;
      const parsed = rule(check, value, key);
      if (parsed !== undefined) {
        next[key] = parsed;
        changed.push(key as keyof SimulatorSettings);
      }
    }
    const rates = ['errorRate', 'timeoutRate', 'dropRate'].reduce((sum, k) => sum + (next[k] as number), 0);
    if (rates > 1) check.add('errorRate', 'errorRate + timeoutRate + dropRate must not exceed 1', 'outOfRange');
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    this.current = next as unknown as SimulatorSettings;
    this.notify(changed);
  }

  reset(): void {
    this.current = SimSettings.defaults(this.config);
    this.notify(Object.keys(RULES) as Array<keyof SimulatorSettings>);
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  private notify(changed: ReadonlyArray<keyof SimulatorSettings>): void {
    if (changed.length === 0) return;
    for (const listener of this.listeners) listener(changed);
  }
}
