import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { AppConfig } from '@/config';
import { AppModule } from '@/app.module';
import { toErrorBody } from '@/infra/http/all-exceptions.filter';
import { registerBodyParsers } from '@/infra/http/body-parsers';
import { answerClientError, answerFrameworkError, MAX_PARAM_LENGTH } from '@/infra/http/framework-errors';
import { registerInputChecks } from '@/infra/http/input-check';
import { registerUnreadBodyRelease } from '@/infra/http/unread-body';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { ServiceUnavailableError } from '@/infra/errors/domain-error';
import { TraceContext } from '@/infra/logging/trace-context';
import { projectRoot } from '@/infra/project-root';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { createValidationPipe } from '@/infra/http/validation';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** JSON bodies up to 32 MB: an inline campaign of 100,000 recipients fits. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;
/**
 * Smaller limits for the routes others call: the public widget API (a message is at most 2,000 characters) and
 * CXone's callbacks and event pushes (one message with its attachments' URLs). A bigger body is a 413 before it is read in full.
 */
const ROUTE_BODY_LIMITS: ReadonlyArray<[prefix: string, bytes: number]> = [
  ['/widget/', 64 * 1024],
  ['/integration/box/', 1024 * 1024],
  ['/webhooks/', 1024 * 1024],
];

/**
 * Builds the application for `config` (everything but listening and signal handling, which main.ts adds), so
 * tests start exactly what production runs.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    trustProxy: config.app.trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before any route or Nest filter runs get the one error shape too.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // A caller's X-Request-Id is kept (when sane) so logs can be joined across systems; else a new UUID.
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
      (req as { id?: string }).id = id;
      return id;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoNestLogger));
  app.flushLogs();
  app.useGlobalPipes(createValidationPipe());

  const lifecycle = app.get(LifecycleService);
  const httpDuration = app.get(MetricsService).histogram({
    name: 'threadline_http_request_duration_seconds',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(app, BODY_LIMIT_BYTES);
  fastify.addHook('onRoute', (route) => {
    const limit = ROUTE_BODY_LIMITS.find(([prefix]) => route.url.startsWith(prefix));
    if (limit && route.bodyLimit === undefined) route.bodyLimit = limit[1];
  });
  registerInputChecks(fastify);
  registerUnreadBodyRelease(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    TraceContext.enter({ traceId: request.id });
    if (lifecycle.isDraining && !request.url.startsWith('/health')) {
      const body = toErrorBody(
        new ServiceUnavailableError('the service is shutting down; retry on another instance'),
        request.id,
      );
      void reply.code(503).header('connection', 'close').header('retry-after', '1').send(body);
      return;
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  if (config.app.docsEnabled && config.app.runsApi) {
    // Required here, not at the top: @nestjs/swagger and the document are for the api role only.
    const { setupDocs } = await import('./infra/http/docs'); // relative: the build rewrites only static imports' aliases
    setupDocs(app, packageVersion());
  }
  await app.init();
  return app;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
