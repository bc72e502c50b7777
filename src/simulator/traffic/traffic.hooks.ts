import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimClock, sleep } from '@/simulator/common/clock';
import { DfoRateLimitedError, DfoServerError, formatRetryAfter } from '@/simulator/common/sim-errors';
import { SimSettings } from '@/simulator/state/sim-settings';
import { ArrivalJitter } from './arrival-jitter';
import { FaultInjector } from './fault-injector';
import type { CxoneOperation } from './operations';
import { RequestLog } from './request-log';
import { CONTEXT_KEY, entryOf, setRequestContext, SimRouteConfig } from './request-context';
import { TrafficStats } from './traffic-stats';

/** Control API and health routes are neither logged nor subject to faults. */
function isControlPath(url: string): boolean {
  return url.startsWith('/sim/') || url === '/sim' || url.startsWith('/health');
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * Fastify hooks around every CXone-facing request, in the order of the request's life:
 * - onRequest: wait out the arrival jitter, then stamp the arrival time (SimClock) and append the request-log entry
 *   (so log order is arrival order); control and health requests are only stamped;
 * - preHandler: keep the parsed body, add latency, inject faults (5xx/429 answered here, timeouts held then cut);
 * - onSend: "drop" faults: the request was applied, now the connection is destroyed instead of answered;
 * - onResponse: the answered status and duration.
 * Fastify hooks rather than a Nest interceptor, because requests refused by guards or by the body parser must be
 * logged too, and the arrival time should be taken before any of that work.
 */
export function installTrafficHooks(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const log = app.get(RequestLog);
  const stats = app.get(TrafficStats);
  const faults = app.get(FaultInjector);
  const settings = app.get(SimSettings);
  const jitter = app.get(ArrivalJitter);
  const clock = app.get(SimClock);

  fastify.decorateRequest(CONTEXT_KEY, null);

  const arrive = (request: FastifyRequest): void => {
    const at = clock.nowMs();
    const operation = (request.routeOptions.config as SimRouteConfig | undefined)?.simOperation ?? 'unknown';
    stats.countRequest(operation);
    const entry = log.append({
      at,
      direction: 'received',
      method: request.method,
      path: pathOf(request.url),
      operation,
      tenantId: null,
      status: null,
      durationMs: null,
      body: undefined,
    });
    setRequestContext(request, { at, entry, tenantId: null });
  };

  // Callback style, so a request without jitter is stamped synchronously.
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (isControlPath(request.url)) {
      setRequestContext(request, { at: clock.nowMs(), entry: null, tenantId: null });
      return done();
    }
    const delay = jitter.beforeArrival();
    if (!delay) {
      arrive(request);
      return done();
    }
    void delay.then(() => {
      arrive(request);
      done();
    });
  });

  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const entry = entryOf(request);
    if (!entry) return;
    entry.body = request.body;
    const operation = entry.operation as CxoneOperation;
    const latency = faults.latencyFor(operation);
    if (latency > 0) await sleep(latency);
    const fault = faults.decide(operation);
    if (!fault) return;
    entry.fault = fault.kind;
    stats.faultInjected(fault.kind);
    switch (fault.kind) {
      case '5xx': {
        const error = new DfoServerError(fault.status);
        return reply.code(error.status).headers(error.headers).send(error.body);
      }
      case '429': {
        const retryAfter = formatRetryAfter(fault.retryAfterSeconds * 1000, settings.value.retryAfterFormat);
        const error = new DfoRateLimitedError('Too many requests (injected by the simulator)', retryAfter);
        stats.rateLimited();
        if (operation === 'outbound') stats.outboundRateLimited(null, entry.at);
        return reply.code(error.status).headers(error.headers).send(error.body);
      }
      case 'timeout':
        await faults.hold(settings.value.hangMs);
        reply.hijack();
        request.raw.socket?.destroy();
        return reply;
      case 'drop':
        return; // applied by the handler, then cut in onSend
    }
  });

  fastify.addHook('onSend', (request, _reply, payload, done) => {
    if (entryOf(request)?.fault === 'drop') request.raw.socket?.destroy();
    done(null, payload);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const entry = entryOf(request);
    if (entry && entry.fault !== 'drop' && entry.fault !== 'timeout') {
      entry.status = reply.statusCode;
      entry.durationMs = reply.elapsedTime;
    }
    done();
  });
}
