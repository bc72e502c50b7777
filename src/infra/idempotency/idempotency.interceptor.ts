import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { from, Observable, of } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import { ConflictError, UnprocessableError, ValidationFailedError } from '@/infra/errors/domain-error';
import type { Principal } from '@/infra/auth/principal';
import { IdempotencyRepository, IN_PROGRESS } from './idempotency.repository';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A claim still "in progress" after this long belongs to a process that died; a retry may take it over. */
const STALE_CLAIM_MS = 5 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Honours `Idempotency-Key` on every POST made with an admin API key: the first answer is stored for 24 h; the same
 * key with the same body gets that answer again (header `Idempotent-Replayed: true`) and creates nothing; the same
 * key with a different body is a 422; while the first request is still running, a repeat gets a 409.
 * Keys are scoped per API key. Failed requests are not stored, so they can be retried with the same key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined || request.user?.kind !== 'api-key') return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_PATTERN.test(key)) {
      throw new ValidationFailedError('Idempotency-Key must be 1-255 printable ASCII characters');
    }
    const apiKeyId = request.user.keyId;
    const path = request.url.split('?')[0] ?? request.url;
    // A streamed body (CSV upload) cannot be hashed before it is read: it is identified by its type and length.
    const body =
      request.body instanceof Readable
        ? { stream: `${request.headers['content-type'] ?? ''};${request.headers['content-length'] ?? 'chunked'}` }
        : request.body;
    const requestHash = hashRequest(request.method, request.url, body);
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;

    return from(
      this.repository.claim(
        {
          apiKeyId,
          key,
          method: request.method,
          path,
          requestHash,
          expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS),
        },
        STALE_CLAIM_MS,
      ),
    ).pipe(
      mergeMap((existing) => {
        if (existing) {
          if (existing.requestHash !== requestHash) {
            throw new UnprocessableError('this Idempotency-Key was already used with a different request body');
          }
          if (existing.statusCode === IN_PROGRESS) {
            throw new ConflictError('a request with this Idempotency-Key is still being processed; retry shortly');
          }
          void reply.header('idempotent-replayed', 'true');
          return of(existing.responseBody);
        }
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await this.repository.complete(apiKeyId, key, status, body);
            return body;
          }),
          catchError(async (err: unknown) => {
            await this.repository.release(apiKeyId, key);
            throw err;
          }),
        );
      }),
    );
  }
}

function hashRequest(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n`).update(canonicalJson(body)).digest('hex');
}

/** JSON with object keys sorted, so the same body in another key order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
