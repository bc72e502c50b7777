import { Injectable } from '@nestjs/common';
import { RingBuffer } from '@/simulator/common/ring-buffer';
import { redactSecrets } from '@/simulator/common/redact';
import { SimSettings } from '@/simulator/state/sim-settings';
import type { LoggedOperation } from './operations';

export type TrafficDirection = 'received' | 'to-middleware' | 'to-webhook';
export const TRAFFIC_DIRECTIONS: readonly TrafficDirection[] = ['received', 'to-middleware', 'to-webhook'];
export type FaultKind = '5xx' | '429' | 'timeout' | 'drop';

/** One request the simulator received, or one call it made to the middleware or the webhook. */
export interface RequestLogEntry {
  seq: number;
  /** Epoch ms with sub-ms precision: arrival (received) or send time (to-middleware, to-webhook). */
  at: number;
  direction: TrafficDirection;
  method: string;
  path: string;
  operation: LoggedOperation;
  tenantId: string | null;
  /** The status answered (or received from the middleware); null when there was no answer (timeout, drop). */
  status: number | null;
  durationMs: number | null;
  /** The request body as received (secrets are redacted when read). */
  body: unknown;
  messageId?: string;
  idOnExternalPlatform?: string;
  contactNumber?: string;
  fault?: FaultKind;
  error?: string;
  /** to-middleware, to-webhook: what the receiver answered. */
  responseBody?: unknown;
  /** to-webhook: the event pushed, and the authentication headers sent (a bearer token is redacted when read). */
  eventId?: string;
  headers?: Record<string, string>;
}

export interface RequestLogQuery {
  operations?: readonly string[];
  direction?: TrafficDirection;
  /** Only entries with seq > since. */
  since?: number;
  tenantId?: string;
  status?: number;
  limit: number;
}

/**
 * The bounded log of everything the simulator received and sent (a ring buffer, newest kept). Entries are appended
 * in arrival order without copying the body; redaction happens when they are read.
 */
@Injectable()
export class RequestLog {
  private ring: RingBuffer<RequestLogEntry>;
  private seq = 0;

  constructor(settings: SimSettings) {
    this.ring = new RingBuffer(settings.value.requestLogCapacity);
    settings.onChange((changed) => {
      const capacity = settings.value.requestLogCapacity;
      if (changed.includes('requestLogCapacity') && capacity !== this.ring.capacity) this.resize(capacity);
    });
  }

  get size(): number {
    return this.ring.size;
  }

  append(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const full = entry as RequestLogEntry;
    full.seq = ++this.seq;
    this.ring.push(full);
    return full;
  }

  /** Matching entries in order, oldest first, as plain redacted copies. */
  query(q: RequestLogQuery): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    const first = this.ring.at(0);
    if (!first) return out;
    const startIndex = q.since !== undefined ? Math.max(0, Math.floor(q.since) - first.seq + 1) : 0;
    for (let i = startIndex; i < this.ring.size && out.length < q.limit; i++) {
      const entry = this.ring.at(i)!;
      if (q.operations && !q.operations.includes(entry.operation)) continue;
      if (q.direction && entry.direction !== q.direction) continue;
      if (q.tenantId && entry.tenantId !== q.tenantId) continue;
      if (q.status !== undefined && entry.status !== q.status) continue;
      out.push(present(entry));
    }
    return out;
  }

  clear(): void {
    this.ring.clear();
    this.seq = 0;
  }

  private resize(capacity: number): void {
    const keep = this.ring.toArray().slice(-capacity);
    this.ring = new RingBuffer(capacity);
    for (const entry of keep) this.ring.push(entry);
  }
}

function present(entry: RequestLogEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { ...entry, body: redactSecrets(entry.body) };
  if (entry.responseBody !== undefined) out.responseBody = redactSecrets(entry.responseBody);
  if (entry.headers !== undefined) out.headers = redactSecrets(entry.headers);
  return out;
}
