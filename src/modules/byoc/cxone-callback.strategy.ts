import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { UnauthenticatedError } from '@/infra/errors/domain-error';
import type { CxonePrincipal } from '@/infra/auth/principal';
import { ByocTokens } from './byoc-tokens';

export const CXONE_CALLBACK_STRATEGY = 'cxone-callback';

/**
 * CXone calling the BYOC endpoints with `Authorization: Bearer <token from /1.0/token>`. A missing, unknown, expired
 * or revoked token is a 401 (CXone then fetches a token and repeats the call).
 */
@Injectable()
export class CxoneCallbackStrategy extends PassportStrategy(Strategy, CXONE_CALLBACK_STRATEGY) {
  constructor(private readonly tokens: ByocTokens) {
    super();
  }

  async validate(request: FastifyRequest): Promise<CxonePrincipal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1]) throw new UnauthenticatedError('Invalid token: a bearer token from /1.0/token is required');
    const principal = await this.tokens.verify(match[1]);
    if (!principal) throw new UnauthenticatedError('Invalid token: unknown, expired or revoked');
    return principal;
  }
}
