import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { DomainError, TooManyRequestsError } from '@/infra/errors/domain-error';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
  requestId: string;
}

/**
 * The one place errors become HTTP answers: `{statusCode, error, message, details?, requestId}`, never a stack trace.
 * Domain errors carry their status; Nest's HttpExceptions and Fastify's own errors (bad JSON, body too large, wrong
 * content type) keep theirs; anything else is a logged 500 whose body only says so.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const body = toErrorBody(exception, request.id);
    if (body.statusCode >= 500) {
      this.logger.error(
        { err: exception, requestId: request.id, method: request.method, url: request.url },
        `${request.method} ${request.url} failed: ${exception instanceof Error ? exception.message : String(exception)}`,
      );
    }
    if (exception instanceof TooManyRequestsError) reply.header('retry-after', String(exception.retryAfterSeconds));
    if (body.statusCode === 503 && !reply.getHeader('retry-after')) reply.header('retry-after', '5');
    this.adapterHost.httpAdapter.reply(reply, body, body.statusCode);
  }
}

export function toErrorBody(exception: unknown, requestId: string): ErrorBody {
  let statusCode = 500;
  let message = 'Internal server error';
  let details: unknown;
  let error: string | undefined;

  if (exception instanceof DomainError) {
    statusCode = exception.status;
    message = exception.message;
    details = exception.details;
    error = exception.errorCode;
  } else if (exception instanceof HttpException) {
    statusCode = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'string') {
      message = response;
    } else if (typeof response === 'object' && response !== null) {
      const r = response as { message?: unknown; details?: unknown };
      if (Array.isArray(r.message)) {
        message = r.message.join('; ');
      } else if (typeof r.message === 'string') {
        message = r.message;
        details = r.details;
      } else {
        // e.g. @nestjs/terminus: the health report is the payload.
        message = STATUS_CODES[statusCode] ?? 'Error';
        details = response;
      }
    }
  } else if (isFastifyClientError(exception)) {
    statusCode = exception.statusCode;
    message = exception.message;
  }
  const body: ErrorBody = { statusCode, error: error ?? STATUS_CODES[statusCode] ?? 'Error', message, requestId };
  if (details !== undefined) body.details = details;
  return body;
}

function isFastifyClientError(e: unknown): e is Error & { statusCode: number } {
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  return e instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}
