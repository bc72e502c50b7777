import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal } from './principal';
import type { Scope } from './scopes';

export const IS_PUBLIC = 'threadline:auth:public';
export const REQUIRED_SCOPES = 'threadline:auth:scopes';
export const AUTH_STRATEGY = 'threadline:auth:strategy';

/** Opens a route to everyone. Every other route needs credentials (deny by default). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** An admin API key holding all of these scopes (or `admin`) is required. */
export const RequireScopes = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPES, scopes);

/** Authenticates the route with another Passport strategy than admin API keys (e.g. CXone's bearer tokens). */
export const AuthStrategy = (name: string): MethodDecorator & ClassDecorator => SetMetadata(AUTH_STRATEGY, name);

/** The authenticated caller, of the kind the route's strategy produces (`kind` names it). */
export const CurrentPrincipal = createParamDecorator((kind: Principal['kind'], ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<{ user?: Principal }>();
  if (!request.user) throw new Error('CurrentPrincipal used on a route without authentication');
  if (request.user.kind !== kind)
    throw new Error(`CurrentPrincipal('${kind}') on a route authenticated as ${request.user.kind}`);
  return request.user;
});
