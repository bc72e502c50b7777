import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { toErrorBody } from '@/infra/http/all-exceptions.filter';
import { ForbiddenError } from '@/infra/errors/domain-error';
import { ExpiringCache } from '@/infra/cache/expiring-cache';
import { ChannelsService } from '@/modules/channels/channels.service';
import { WidgetOrigins } from './widget-origins';

const PREFIX = '/widget/v1/';
const ALLOWED_HEADERS = 'authorization, content-type, last-event-id, x-request-id';

/**
 * CORS for the widget API. A preflight (OPTIONS) carries no token, so it is answered for any origin some BYOC channel
 * allows; the actual request is then held to its own channel's origins (the session strategy, the session start).
 */
@Injectable()
export class WidgetCors implements OnModuleInit {
  private readonly known = new ExpiringCache<'all', Set<string>>(10_000);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly channels: ChannelsService,
    private readonly origins: WidgetOrigins,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith(PREFIX)) return;
      const origin = request.headers.origin;
      if (!origin) return;
      const allowed = await this.allowedAnywhere(origin);
      if (request.method === 'OPTIONS') {
        if (!allowed) {
          const body = toErrorBody(new ForbiddenError(`no chat channel accepts requests from ${origin}`), request.id);
          return reply.code(403).header('vary', 'origin').send(body);
        }
        return reply
          .code(204)
          .headers({
            ...this.headersFor(origin),
            'access-control-allow-methods': 'GET, POST, OPTIONS',
            'access-control-allow-headers': ALLOWED_HEADERS,
            'access-control-max-age': '600',
          })
          .send();
      }
      if (allowed) void reply.headers(this.headersFor(origin));
    });
  }

  /** The CORS answer headers for a request from `origin` (none for requests not from a browser page). */
  headersFor(origin: string | undefined): Record<string, string> {
    if (!origin) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': 'x-request-id, retry-after',
      vary: 'origin',
    };
  }

  private async allowedAnywhere(origin: string): Promise<boolean> {
    if (this.origins.allows({ widgetOrigins: [] }, origin)) return true;
    const all = await this.known.get('all', async () => new Set(await this.channels.allWidgetOrigins()));
    return all.has(origin.toLowerCase());
  }
}
