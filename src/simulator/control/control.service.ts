import { Injectable, Logger } from '@nestjs/common';
import type { DfoChannel } from '@/integrations/cxone/dfo.types';
import { MAX_CLOCK_ADVANCE_MS, MAX_CLOCK_OFFSET_MS, SimClock } from '@/simulator/common/clock';
import { FieldCheck, isObject } from '@/simulator/common/field-check';
import { ControlError, DfoError } from '@/simulator/common/sim-errors';
import { ChannelsService } from '@/simulator/dfo/channels.service';
import { toDfoContact, toMessageView, toThreadView } from '@/simulator/dfo/dfo-mappers';
import { MiddlewareClient } from '@/simulator/agent/middleware-client';
import { NativeOptOut } from '@/simulator/consent/native-opt-out';
import { WebhookDispatcher } from '@/simulator/events/webhook-dispatcher';
import { ConversationStore } from '@/simulator/state/conversations';
import { RateLimits } from '@/simulator/state/rate-limits';
import { SimSettings } from '@/simulator/state/sim-settings';
import { TokenStore } from '@/simulator/state/token-store';
import { FaultInjector } from '@/simulator/traffic/fault-injector';
import { RequestLog, TRAFFIC_DIRECTIONS, TrafficDirection } from '@/simulator/traffic/request-log';
import { TrafficStats } from '@/simulator/traffic/traffic-stats';

type Query = Record<string, unknown>;

const DEFAULT_REQUEST_LIMIT = 10_000;

/** GET and POST /sim/clock answer this. */
export interface ClockView {
  /** The simulated time (ISO-8601). */
  now: string;
  /** How far it is ahead of real time (ms). */
  offsetMs: number;
}

function str(query: Query, name: string): string | undefined {
  const value = query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Request-log queries take integers from the query string; a bad one is a 400 naming it. */
function int(check: FieldCheck, query: Query, name: string, min: number, max: number): number | undefined {
  const raw = str(query, name);
  if (raw === undefined) return undefined;
  return check.number(/^-?\d+$/.test(raw) ? Number(raw) : raw, name, { min, max, integer: true });
}

/** Inspection and administration behind the control API (/sim/*). */
@Injectable()
export class ControlService {
  private readonly logger = new Logger(ControlService.name);

  constructor(
    private readonly settings: SimSettings,
    private readonly store: ConversationStore,
    private readonly channels: ChannelsService,
    private readonly tokens: TokenStore,
    private readonly limits: RateLimits,
    private readonly faults: FaultInjector,
    private readonly log: RequestLog,
    private readonly stats: TrafficStats,
    private readonly middleware: MiddlewareClient,
    private readonly optOut: NativeOptOut,
    private readonly webhooks: WebhookDispatcher,
    private readonly clock: SimClock,
  ) {}

  /**
   * POST /sim/reset: conversations, opt-outs, pushed events (and their pending retries), log, stats, tokens, faults
   * and buckets cleared; seed and config defaults back; the clock back to real time.
   */
  reset(): void {
    this.webhooks.reset();
    this.clock.reset();
    this.settings.reset();
    this.store.reset();
    this.tokens.clear();
    this.limits.clear();
    this.faults.clear();
    this.log.clear();
    this.stats.reset();
    this.middleware.forgetToken();
    this.optOut.clear();
    this.logger.debug('reset to the seed state');
  }

  requests(query: Query): Array<Record<string, unknown>> {
    const check = new FieldCheck();
    const since = int(check, query, 'since', 0, Number.MAX_SAFE_INTEGER);
    const limit = int(check, query, 'limit', 1, 5_000_000) ?? DEFAULT_REQUEST_LIMIT;
    const status = int(check, query, 'status', 100, 599);
    const direction = str(query, 'direction');
    if (direction !== undefined) check.oneOf(direction, 'direction', TRAFFIC_DIRECTIONS);
    this.throwIfInvalid(check);
    const operations = str(query, 'operation')
      ?.split(',')
      .map((o) => o.trim());
    return this.log.query({
      ...(operations ? { operations } : {}),
      ...(direction ? { direction: direction as TrafficDirection } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(str(query, 'tenantId') ? { tenantId: str(query, 'tenantId') } : {}),
      limit,
    });
  }

  statistics(): Record<string, unknown> {
    return {
      ...this.stats.snapshot(),
      requestLog: { size: this.log.size, capacity: this.settings.value.requestLogCapacity },
    };
  }

  contacts(query: Query) {
    const channelId = str(query, 'channelId');
    const status = str(query, 'status');
    const threadId = str(query, 'threadIdOnExternalPlatform');
    return this.store
      .listContacts()
      .filter(
        (c) =>
          (!channelId || c.channelId === channelId) &&
          (!status || c.status === status) &&
          (!threadId || c.threadIdOnExternalPlatform === threadId),
      )
      .map((c) => ({ ...toDfoContact(c, this.store), tenantId: c.tenantId }));
  }

  threads(query: Query) {
    const channelId = str(query, 'channelId');
    const endUser = str(query, 'endUserIdOnExternalPlatform');
    return this.store
      .listThreads()
      .filter(
        (t) => (!channelId || t.channelId === channelId) && (!endUser || t.endUserIdOnExternalPlatform === endUser),
      )
      .map(toThreadView);
  }

  messages(query: Query) {
    const channelId = str(query, 'channelId');
    const threadId = str(query, 'threadIdOnExternalPlatform');
    const direction = str(query, 'direction');
    const contactNumber = str(query, 'contactNumber');
    const externalId = str(query, 'idOnExternalPlatform');
    const source = str(query, 'source');
    return this.store
      .listMessages()
      .filter(
        (m) =>
          (!channelId || m.channelId === channelId) &&
          (!threadId || m.threadIdOnExternalPlatform === threadId) &&
          (!direction || m.direction === direction) &&
          (!contactNumber || m.contactNumber === contactNumber) &&
          (!externalId || m.idOnExternalPlatform === externalId) &&
          (!source || m.source === source),
      )
      .map(toMessageView);
  }

  /** POST /sim/channels: the NewChannel body, no auth. */
  addChannel(body: unknown): { channel: DfoChannel; created: boolean } {
    return asControl(() => this.channels.upsert(body));
  }

  /** GET /sim/clock. */
  clockView(): ClockView {
    return { now: this.clock.nowIso(), offsetMs: this.clock.offsetMs };
  }

  /** POST /sim/clock {advanceMs}: moves the simulator's clock forward (never back: POST /sim/reset does that). */
  advanceClock(body: unknown): ClockView {
    if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object: {"advanceMs": <ms>}');
    const check = new FieldCheck();
    check.noExtraKeys(body, ['advanceMs']);
    const advanceMs = check.number(body.advanceMs, 'advanceMs', { min: 1, max: MAX_CLOCK_ADVANCE_MS, integer: true });
    if (advanceMs !== undefined && this.clock.offsetMs + advanceMs > MAX_CLOCK_OFFSET_MS) {
      check.add(
        'advanceMs',
        `advanceMs would put the clock more than ${MAX_CLOCK_OFFSET_MS} ms (100 years) ahead of real time (now ${this.clock.offsetMs} ms ahead)`,
        'outOfRange',
      );
    }
    this.throwIfInvalid(check);
    this.clock.advance(advanceMs!);
    return this.clockView();
  }

  expireTokens(): { expired: number } {
    return { expired: this.tokens.expireAll() };
  }

  private throwIfInvalid(check: FieldCheck): void {
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
  }
}

/** DFO-shaped validation errors become control-API errors (same fields, the control API's shape). */
function asControl<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DfoError) {
      const details = (err.body as { errors: unknown[] }).errors;
      throw new ControlError(err.status, err.message, details);
    }
    throw err;
  }
}
