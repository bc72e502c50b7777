import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ControlError, DfoError, OAuthError, SimHttpError } from './sim-errors';

const ERROR_CODES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'notFound',
  405: 'methodNotAllowed',
  413: 'payloadTooLarge',
  415: 'unsupportedMediaType',
};

/**
 * The simulator's only exception filter. Errors raised on purpose (SimHttpError) carry their answer; anything else
 * (no route, unparsable JSON, a bug) is answered in the shape of the surface it hit: DFO, OAuth or control API.
 */
@Catch()
export class SimulatorExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(SimulatorExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    if (reply.sent) return;
    const error = exception instanceof SimHttpError ? exception : this.translate(exception, request);
    void reply.code(error.status).headers(error.headers).send(error.body);
  }

  private translate(exception: unknown, request: FastifyRequest): SimHttpError {
    let status = 500;
    let message = 'Internal server error';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = exception.message;
    } else if (isClientError(exception)) {
      status = exception.statusCode;
      message = exception.message;
    } else {
      this.logger.error(
        `${request.method} ${request.url} failed: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
      );
    }
    const url = request.url;
    if (url.startsWith('/sim') || url.startsWith('/health')) return new ControlError(status, message);
    if (url.startsWith('/auth/') || url.startsWith('/engager/')) {
      return new OAuthError(status, 'invalid_request', message);
    }
    return new DfoError(status, [
      { message, errorCode: ERROR_CODES[status] ?? (status >= 500 ? 'internalError' : 'error') },
    ]);
  }
}

function isClientError(e: unknown): e is Error & { statusCode: number } {
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  return e instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}
