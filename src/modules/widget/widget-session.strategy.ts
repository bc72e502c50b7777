import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { ForbiddenError, UnauthenticatedError } from '@/infra/errors/domain-error';
import type { WidgetPrincipal } from '@/infra/auth/principal';
import { ChannelsService } from '@/modules/channels/channels.service';
import { WidgetOrigins } from './widget-origins';
import { WidgetSessions } from './widget-sessions';

export const WIDGET_SESSION_STRATEGY = 'widget-session';

/**
 * A chat widget session: `Authorization: Bearer <session token>` (or `?token=` on the event stream, since a browser's
 * EventSource cannot send headers). From a browser, the page's origin must be one the channel allows.
 */
@Injectable()
export class WidgetSessionStrategy extends PassportStrategy(Strategy, WIDGET_SESSION_STRATEGY) {
  constructor(
    private readonly sessions: WidgetSessions,
    private readonly channels: ChannelsService,
    private readonly origins: WidgetOrigins,
  ) {
    super();
  }

  async validate(request: FastifyRequest): Promise<WidgetPrincipal> {
    const header = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const query = (request.query as { token?: unknown } | undefined)?.token;
    const token = header ?? (typeof query === 'string' ? query : undefined);
    if (!token) throw new UnauthenticatedError('a widget session token is required (start a session first)');
    const principal = this.sessions.verify(token);
    if (!principal) throw new UnauthenticatedError('the widget session is invalid or expired: start a new one');
    const channel = await this.channels.cachedByoc(principal.channelId).catch(() => null);
    if (!channel?.isActive) throw new UnauthenticatedError('the chat channel of this session is gone');
    if (!this.origins.allows(channel, request.headers.origin)) {
      throw new ForbiddenError(`this chat channel does not accept requests from ${String(request.headers.origin)}`);
    }
    return principal;
  }
}
