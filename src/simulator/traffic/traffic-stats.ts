import { Injectable } from '@nestjs/common';
import { maxInSlidingWindow } from '@/infra/rate-limit/window-stats';
import { SimClock } from '@/simulator/common/clock';
import { WindowedCounter } from '@/simulator/common/windowed-counter';
import type { FaultKind } from './request-log';

const HOUR_MS = 3_600_000;

interface ReadCounters {
  reads: WindowedCounter;
  rateLimited: number;
}

const newReadCounters = (): ReadCounters => ({ reads: new WindowedCounter(HOUR_MS), rateLimited: 0 });

interface OutboundCounters {
  accepted: number;
  rateLimited: number;
  duplicates: number;
  /** `at` of every accepted outbound (arrival time, the limiter's clock). */
  acceptedAt: number[];
}

const newCounters = (): OutboundCounters => ({ accepted: 0, rateLimited: 0, duplicates: 0, acceptedAt: [] });

/** Counters behind GET /sim/stats, kept incrementally (reading them never scans the request log). */
@Injectable()
export class TrafficStats {
  private byOperation = new Map<string, number>();
  private outbound = newCounters();
  private outboundByTenant = new Map<string, OutboundCounters>();
  private perSecond = new Map<number, { accepted: number; rateLimited: number }>();
  private createMessage = { accepted: 0, duplicates: 0 };
  private rateLimitedTotal = 0;
  private faults: Record<FaultKind, number> = { '5xx': 0, '429': 0, timeout: 0, drop: 0 };
  private middleware = { calls: 0, failures: 0 };
  private contactReads = newReadCounters();
  private contactReadsByTenant = new Map<string, ReadCounters>();
  private webhooks = { events: 0, attempts: 0, failedAttempts: 0, delivered: 0, failed: 0 };

  constructor(private readonly clock: SimClock) {}

  countRequest(operation: string): void {
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
  }

  outboundAccepted(tenantId: string, at: number): void {
    for (const c of [this.outbound, this.tenant(tenantId)]) {
      c.accepted++;
      c.acceptedAt.push(at);
    }
    this.second(at).accepted++;
  }

  outboundDuplicate(tenantId: string): void {
    this.outbound.duplicates++;
    this.tenant(tenantId).duplicates++;
  }

  /** A 429 answered to an outbound call (the limiter's or an injected one). */
  outboundRateLimited(tenantId: string | null, at: number): void {
    this.outbound.rateLimited++;
    if (tenantId) this.tenant(tenantId).rateLimited++;
    this.second(at).rateLimited++;
  }

  createMessageAccepted(duplicate: boolean): void {
    if (duplicate) this.createMessage.duplicates++;
    else this.createMessage.accepted++;
  }

  rateLimited(): void {
    this.rateLimitedTotal++;
  }

  faultInjected(kind: FaultKind): void {
    this.faults[kind]++;
  }

  middlewareCall(ok: boolean): void {
    this.middleware.calls++;
    if (!ok) this.middleware.failures++;
  }

  /** A contact read (GET /contacts, /contacts/{n}, /contacts/{n}/messages) the read budget admitted, or refused. */
  contactRead(tenantId: string, at: number, admitted: boolean): void {
    let tenant = this.contactReadsByTenant.get(tenantId);
    if (!tenant) this.contactReadsByTenant.set(tenantId, (tenant = newReadCounters()));
    for (const c of [this.contactReads, tenant]) {
      if (admitted) c.reads.add(at);
      else c.rateLimited++;
    }
  }

  webhookEvent(): void {
    this.webhooks.events++;
  }

  webhookAttempt(ok: boolean): void {
    this.webhooks.attempts++;
    if (!ok) this.webhooks.failedAttempts++;
  }

  /** An event's automatic delivery ended: delivered, or failed after every retry. */
  webhookSettled(delivered: boolean): void {
    if (delivered) this.webhooks.delivered++;
    else this.webhooks.failed++;
  }

  snapshot(): Record<string, unknown> {
    const now = this.clock.nowMs();
    const reads = (c: ReadCounters) => ({
      total: c.reads.total,
      lastHour: c.reads.inWindow(now),
      rateLimited: c.rateLimited,
    });
    const times = this.outbound.acceptedAt;
    const byTenant: Record<string, unknown> = {};
    for (const [tenantId, c] of this.outboundByTenant) {
      byTenant[tenantId] = {
        accepted: c.accepted,
        rateLimited: c.rateLimited,
        duplicates: c.duplicates,
        worstSlidingSecond: maxInSlidingWindow(c.acceptedAt, 1000),
      };
    }
    return {
      outbound: {
        accepted: this.outbound.accepted,
        rateLimited: this.outbound.rateLimited,
        duplicates: this.outbound.duplicates,
        perSecond: [...this.perSecond.entries()]
          .sort(([a], [b]) => a - b)
          .map(([second, c]) => ({ second, accepted: c.accepted, rateLimited: c.rateLimited })),
        worstSlidingSecond: maxInSlidingWindow(times, 1000),
        firstAt: times.length > 0 ? minOf(times) : null,
        lastAt: times.length > 0 ? maxOf(times) : null,
        byTenant,
      },
      createMessage: { ...this.createMessage },
      requestsByOperation: Object.fromEntries(this.byOperation),
      rateLimitedTotal: this.rateLimitedTotal,
      faultsInjected: { ...this.faults },
      middleware: { ...this.middleware },
      contactReads: {
        ...reads(this.contactReads),
        byTenant: Object.fromEntries([...this.contactReadsByTenant].map(([tenantId, c]) => [tenantId, reads(c)])),
      },
      webhooks: { ...this.webhooks },
    };
  }

  reset(): void {
    this.byOperation = new Map();
    this.outbound = newCounters();
    this.outboundByTenant = new Map();
    this.perSecond = new Map();
    this.createMessage = { accepted: 0, duplicates: 0 };
    this.rateLimitedTotal = 0;
    this.faults = { '5xx': 0, '429': 0, timeout: 0, drop: 0 };
    this.middleware = { calls: 0, failures: 0 };
    this.contactReads = newReadCounters();
    this.contactReadsByTenant = new Map();
    this.webhooks = { events: 0, attempts: 0, failedAttempts: 0, delivered: 0, failed: 0 };
  }

  private tenant(tenantId: string): OutboundCounters {
    let c = this.outboundByTenant.get(tenantId);
    if (!c) this.outboundByTenant.set(tenantId, (c = newCounters()));
    return c;
  }

  private second(at: number): { accepted: number; rateLimited: number } {
    const key = Math.floor(at / 1000);
    let c = this.perSecond.get(key);
    if (!c) this.perSecond.set(key, (c = { accepted: 0, rateLimited: 0 }));
    return c;
  }
}

function minOf(values: readonly number[]): number {
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return m;
}

function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}
