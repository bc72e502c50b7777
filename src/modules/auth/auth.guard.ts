import { CanActivate, ExecutionContext, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard, IAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '@/infra/errors/domain-error';
import { AuthFailureThrottle } from '@/infra/rate-limit/auth-failure-throttle';
import { API_KEY_STRATEGY } from './api-key.strategy';
import { AUTH_STRATEGY, IS_PUBLIC, REQUIRED_SCOPES } from '@/infra/auth/auth.decorators';
import { MissingScopeError } from './auth.errors';
import type { Principal } from '@/infra/auth/principal';
import { missingScopes, Scope } from '@/infra/auth/scopes';

/**
 * The one global guard, deny by default: a route is open only with @Public(); otherwise the caller must pass the
 * route's Passport strategy (admin API keys unless @AuthStrategy says otherwise) and hold every @RequireScopes scope.
 * Failed authentication counts against the source address and is answered 429 past the limit (AuthFailureThrottle).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly passportGuards = new Map<string, IAuthGuard>();

  constructor(
    private readonly reflector: Reflector,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return true;

    const strategy = this.reflector.getAllAndOverride<string | undefined>(AUTH_STRATEGY, targets) ?? API_KEY_STRATEGY;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const authenticate = async (): Promise<void> => {
      await this.passportGuard(strategy).canActivate(context);
    };
    // Guessable credentials (admin API keys, the bootstrap key) are throttled per source address. CXone's bearer tokens
    // and widget session tokens are not: they are unguessable, and CXone answers an expired token's 401 by fetching
    // a new one, from addresses many tenants share.
    if (strategy === API_KEY_STRATEGY) await this.throttle.check(request.ip, authenticate);
    else await authenticate();

    const principal = request.user;
    const required = this.reflector.getAllAndMerge<Scope[]>(REQUIRED_SCOPES, targets);
    if (principal?.kind === 'api-key') {
      const missing = missingScopes(principal.scopes, required);
      if (missing.length > 0) throw new MissingScopeError(missing, required);
    }
    return true;
  }

  private passportGuard(strategy: string): IAuthGuard {
    let guard = this.passportGuards.get(strategy);
    if (!guard) {
      guard = new (strategyGuard(strategy))();
      this.passportGuards.set(strategy, guard);
    }
    return guard;
  }
}

/** A Passport guard that reports failures as our typed 401 instead of Passport's bare UnauthorizedException. */
function strategyGuard(strategy: string): Type<IAuthGuard> {
  class StrategyGuard extends PassportAuthGuard(strategy) {
    override handleRequest<TUser>(err: unknown, user: TUser, info: unknown): TUser {
      if (err) throw err instanceof Error ? err : new UnauthenticatedError('authentication failed');
      if (!user) throw new UnauthenticatedError(info instanceof Error ? info.message : 'authentication required');
      return user;
    }
  }
  return StrategyGuard;
}
