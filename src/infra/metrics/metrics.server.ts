import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '@/config';
import { NotFoundError, TooManyRequestsError } from '@/infra/errors/domain-error';
import { toErrorBody } from '@/infra/http/all-exceptions.filter';
import { AuthFailureThrottle } from '@/infra/rate-limit/auth-failure-throttle';
import { checkMetricsToken } from './metrics-token';
import { MetricsService } from './metrics.service';

/**
 * With METRICS_PORT set, /metrics is served here instead of on the main port: a bare node:http server on
 * METRICS_HOST:METRICS_PORT that answers only `GET /metrics` (METRICS_TOKEN still applies), so the scrape endpoint
 * can stay on a port that is never exposed publicly. Plain node:http rather than a second Nest/Fastify app: one
 * route needs no framework. Started with the application, closed with it.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    if (port === undefined) return;
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`/metrics served on ${this.url ?? ''} (not on the main port)`);
  }

  /** Where it listens, e.g. http://127.0.0.1:9464/metrics; undefined when METRICS_PORT is unset. */
  get url(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}/metrics`;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    response.setHeader('x-request-id', requestId);
    response.setHeader('cache-control', 'no-store');
    try {
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        throw new NotFoundError(`${request.method ?? ''} ${path}: this port serves only GET /metrics`);
      }
      const authorization = request.headers.authorization;
      await this.throttle.check(request.socket.remoteAddress ?? '', () =>
        checkMetricsToken(this.config.metrics.token, authorization),
      );
      const { contentType, body } = await this.metrics.render();
      response.writeHead(200, { 'content-type': contentType });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (err) {
      const body = toErrorBody(err, requestId);
      if (body.statusCode >= 500)
        this.logger.error(`GET /metrics failed: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof TooManyRequestsError) response.setHeader('retry-after', String(err.retryAfterSeconds));
      response.writeHead(body.statusCode, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    }
  }
}
