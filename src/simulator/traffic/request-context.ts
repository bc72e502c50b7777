import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { CxoneOperation } from './operations';
import type { RequestLogEntry } from './request-log';

/** What the simulator knows about one request besides the request itself. */
export interface SimRequestContext {
  /** Arrival time on the simulator's clock (epoch ms, sub-ms precision). */
  at: number;
  /** The request-log entry (CXone-facing routes only). */
  entry: RequestLogEntry | null;
  /** The tenant of the caller's token, once authenticated. */
  tenantId: string | null;
}

/** Name of the Fastify request decoration that carries the context. */
export const CONTEXT_KEY = 'cxoneSimulator';

type Decorated = FastifyRequest & { [CONTEXT_KEY]: SimRequestContext | null };

export function setRequestContext(request: FastifyRequest, context: SimRequestContext): void {
  (request as Decorated)[CONTEXT_KEY] = context;
}

/** The context the traffic hooks set when the request arrived (every request gets one, in onRequest). */
export function requestContext(request: FastifyRequest): SimRequestContext {
  const context = (request as Decorated)[CONTEXT_KEY];
  if (!context)
    throw new Error(`${request.method} ${request.url} has no arrival context: are the traffic hooks installed?`);
  return context;
}

/** The request-log entry of a request, if it has one (without creating a context). */
export function entryOf(request: FastifyRequest): RequestLogEntry | null {
  return (request as Decorated)[CONTEXT_KEY]?.entry ?? null;
}

/** Sets the caller's tenant on the context and on its log entry. */
export function setTenant(context: SimRequestContext, tenantId: string): void {
  context.tenantId = tenantId;
  if (context.entry) context.entry.tenantId = tenantId;
}

/** Records what a request created (message id, its external id, the contact) on its log entry. */
export function annotate(
  context: SimRequestContext,
  facts: { messageId?: string | null; idOnExternalPlatform?: string | null; contactNumber?: string | null },
): void {
  const entry = context.entry;
  if (!entry) return;
  if (facts.messageId) entry.messageId = facts.messageId;
  if (facts.idOnExternalPlatform) entry.idOnExternalPlatform = facts.idOnExternalPlatform;
  if (facts.contactNumber) entry.contactNumber = facts.contactNumber;
}

/** Parameter decorator: the request's SimRequestContext. */
export const Received = createParamDecorator((_data: unknown, ctx: ExecutionContext): SimRequestContext =>
  requestContext(ctx.switchToHttp().getRequest<FastifyRequest>()),
);

/** Parameter decorator: this simulator's base URL as the caller reached it (protocol + Host). */
export const BaseUrl = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  baseUrlOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);

export function baseUrlOf(request: FastifyRequest): string {
  const host = request.headers.host ?? `${request.hostname}`;
  return `${request.protocol}://${host}`;
}

/** Route config read by the traffic hooks: the operation this route performs. */
export interface SimRouteConfig {
  simOperation?: CxoneOperation;
}

/** Marks a CXone-facing route with its operation (logged, counted, subject to latency and faults). */
export const SimOperation = (operation: CxoneOperation): MethodDecorator =>
  RouteConfig({ simOperation: operation } satisfies SimRouteConfig);
