import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { DomainError, UriTooLongError, ValidationFailedError } from '@/infra/errors/domain-error';
import { toErrorBody } from './all-exceptions.filter';

/** Longest path parameter the router matches (Fastify's default, said out loud): ids are 36 characters. */
export const MAX_PARAM_LENGTH = 100;

/**
 * Errors Fastify's router raises before any route, hook or Nest filter runs (a malformed percent-encoding, a path
 * parameter over MAX_PARAM_LENGTH), answered in the one error shape with the request id. Without this option Fastify
 * answers with its own body (a `code`, the URL echoed, no request id). Their messages do not repeat the URL.
 */
export function answerFrameworkError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  const code = (error as { code?: unknown }).code;
  const mapped: unknown =
    code === 'FST_ERR_BAD_URL'
      ? new ValidationFailedError('the URL is malformed: it holds an invalid percent-encoding (such as %ZZ)')
      : code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new UriTooLongError(`a path segment of the URL is longer than ${MAX_PARAM_LENGTH} characters`)
        : error;
  const body = toErrorBody(mapped, request.id);
  void reply.code(body.statusCode).header('x-request-id', request.id).send(body);
}

/** An error of the HTTP parser (Node's `clientError`), before there is a request, a route or a request id. */
class ClientRequestError extends DomainError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Node's `clientError`: the HTTP parser refused the bytes (headers over the size limit, a malformed request line or
 * header, a broken chunked body) or the request timed out. Answered in the one error shape with a new request id,
 * then the connection is closed, as Node and Fastify do by default (their answers carry neither shape nor id).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const refused =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ClientRequestError(408, 'the request took too long to arrive')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new ClientRequestError(431, 'the request line and headers are larger than 16 KB')
        : new ClientRequestError(400, 'the request is not valid HTTP');
  const requestId = randomUUID();
  const body = JSON.stringify(toErrorBody(refused, requestId));
  // An answer already being written on this connection cannot be followed by another one.
  const inProgress = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !inProgress) {
    socket.write(
      `HTTP/1.1 ${refused.status} ${STATUS_CODES[refused.status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
