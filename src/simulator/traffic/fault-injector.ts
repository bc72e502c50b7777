import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { FieldCheck, isObject } from '@/simulator/common/field-check';
import { ControlError } from '@/simulator/common/sim-errors';
import { SimSettings } from '@/simulator/state/sim-settings';
import { CXONE_OPERATIONS, CxoneOperation } from './operations';
import type { FaultKind } from './request-log';

export interface OneShotFault {
  kind: FaultKind;
  /** Matching requests still to hit. */
  remaining: number;
  operation: CxoneOperation | 'any';
  /** 5xx: the status answered; 429: always 429. */
  status: number;
  /** 429: the Retry-After given. */
  retryAfterSeconds: number;
}

export interface FaultDecision {
  kind: FaultKind;
  status: number;
  retryAfterSeconds: number;
}

const FAULT_KINDS: readonly FaultKind[] = ['5xx', '429', 'timeout', 'drop'];

/**
 * Decides which CXone-facing requests fail and how: deterministic one-shot faults first (POST /sim/faults, for
 * tests), then the random rates from the settings (errorRate, timeoutRate, dropRate), plus latency.
 */
@Injectable()
export class FaultInjector implements BeforeApplicationShutdown {
  private oneShots: OneShotFault[] = [];
  private readonly holds = new Set<() => void>();

  constructor(private readonly settings: SimSettings) {}

  /** Validates a POST /sim/faults body and queues it. */
  add(body: unknown): OneShotFault {
    if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object');
    const check = new FieldCheck();
    check.noExtraKeys(body, ['kind', 'count', 'operation', 'status', 'retryAfterSeconds']);
    const kind = check.oneOf(body.kind, 'kind', FAULT_KINDS);
    const count = check.optionalNumber(body.count, 'count', { min: 1, max: 1_000_000, integer: true }) ?? 1;
    const operation = check.optionalOneOf(body.operation, 'operation', ['any', ...CXONE_OPERATIONS] as const) ?? 'any';
    const status = check.optionalNumber(body.status, 'status', { min: 500, max: 599, integer: true });
    const retryAfterSeconds =
      check.optionalNumber(body.retryAfterSeconds, 'retryAfterSeconds', { min: 0, max: 86_400, integer: true }) ?? 1;
    if (status !== undefined && kind !== '5xx') check.add('status', 'status applies only to kind 5xx');
    if (!check.ok || !kind) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    const fault: OneShotFault = {
      kind,
      remaining: count,
      operation,
      status: kind === '429' ? 429 : (status ?? 500),
      retryAfterSeconds,
    };
    this.oneShots.push(fault);
    return fault;
  }

  pending(): OneShotFault[] {
    return this.oneShots.map((f) => ({ ...f }));
  }

  clear(): void {
    this.oneShots = [];
  }

  /** The fault for one request of `operation`, or null. Consumes a one-shot fault when one matches. */
  decide(operation: CxoneOperation): FaultDecision | null {
    if (operation === 'unknown') return null;
    if (this.oneShots.length > 0) {
      const index = this.oneShots.findIndex((f) => f.operation === 'any' || f.operation === operation);
      if (index >= 0) {
        const fault = this.oneShots[index];
        if (--fault.remaining <= 0) this.oneShots.splice(index, 1);
        return { kind: fault.kind, status: fault.status, retryAfterSeconds: fault.retryAfterSeconds };
      }
    }
    const s = this.settings.value;
    if (s.errorRate + s.timeoutRate + s.dropRate <= 0 || !this.appliesTo(operation)) return null;
    const r = Math.random();
    if (r < s.errorRate) return { kind: '5xx', status: Math.random() < 0.5 ? 500 : 503, retryAfterSeconds: 0 };
    if (r < s.errorRate + s.timeoutRate) return { kind: 'timeout', status: 0, retryAfterSeconds: 0 };
    if (r < s.errorRate + s.timeoutRate + s.dropRate) return { kind: 'drop', status: 0, retryAfterSeconds: 0 };
    return null;
  }

  /** Injected latency for one request (ms). */
  latencyFor(operation: CxoneOperation): number {
    const s = this.settings.value;
    if ((s.latencyMs <= 0 && s.latencyJitterMs <= 0) || operation === 'unknown' || !this.appliesTo(operation)) return 0;
    return s.latencyMs + Math.random() * s.latencyJitterMs;
  }

  /** Waits `ms` (a hung request); released early when the application shuts down. */
  hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.holds.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.holds.add(release);
    });
  }

  beforeApplicationShutdown(): void {
    for (const release of [...this.holds]) release();
  }

  private appliesTo(operation: CxoneOperation): boolean {
    const ops = this.settings.value.faultOperations;
    return ops.includes('any') || ops.includes(operation);
  }
}
