import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What follows a unit of work from the HTTP request into the jobs it enqueues and the CXone calls they make. */
export interface Trace {
  traceId: string;
}

const storage = new AsyncLocalStorage<Trace>();

export const TraceContext = {
  /** Runs `fn` with `trace` as the current trace (a job, a CLI command). */
  run<T>(trace: Trace, fn: () => T): T {
    return storage.run(trace, fn);
  },
  /** Makes `trace` current for the rest of this asynchronous flow (used in the Fastify onRequest hook). */
  enter(trace: Trace): void {
    storage.enterWith(trace);
  },
  current(): Trace | undefined {
    return storage.getStore();
  },
  /** The current trace id, or a new one when there is none. */
  traceIdOrNew(): string {
    return storage.getStore()?.traceId ?? randomUUID();
  },
};
