import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DfoForbiddenError, DfoUnauthorizedError } from '@/simulator/common/sim-errors';
import { TokenStore } from '@/simulator/state/token-store';
import { requestContext, setTenant } from '@/simulator/traffic/request-context';

/**
 * api: a platform or legacy DFO token; channelAdmin: those or the accessToken of a one-time-token verification
 * (the Channel API); none: no Authorization (the verification itself).
 */
export type DfoAuthMode = 'api' | 'channelAdmin' | 'none';

const DFO_AUTH = 'cxoneSimulator:dfoAuth';

export const DfoAuth = (mode: DfoAuthMode): MethodDecorator => SetMetadata(DFO_AUTH, mode);

const REASONS = {
  missing: 'Authorization: Bearer <access token> is required',
  unknown: 'The access token is not valid',
  expired: 'The access token has expired',
} as const;

/** Every DFO route needs `Authorization: Bearer <token>` from the token endpoints (401 in DFO's error shape). */
@Injectable()
export class DfoAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenStore,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const mode = this.reflector.get<DfoAuthMode | undefined>(DFO_AUTH, ctx.getHandler()) ?? 'api';
    if (mode === 'none') return true;
    const request = ctx.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const token = header && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : undefined;
    const result = this.tokens.check(token);
    if (!result.ok) throw new DfoUnauthorizedError(REASONS[result.reason]);
    if (result.token.kind === 'channelAdmin' && mode !== 'channelAdmin') {
      throw new DfoForbiddenError('This token only grants access to the Channel API');
    }
    setTenant(requestContext(request), result.token.tenantId);
    return true;
  }
}
