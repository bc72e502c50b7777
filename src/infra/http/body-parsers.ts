import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { isUtf8 } from 'node:buffer';
import type { Server } from 'node:http';
import { parse as parseForm } from 'node:querystring';
import { ValidationFailedError } from '@/infra/errors/domain-error';

/**
 * The request bodies the API reads. JSON and form bodies must be UTF-8 (bytes that are not would be read as U+FFFD
 * and stored so; lone surrogates and NUL are refused after parsing, see input-check.ts); these replace the parsers
 * Nest registers, with the same limit and JSON rules (__proto__ and constructor.prototype refused). CSV uploads reach
 * the handler as a stream, parsed and checked row by row. No route takes plain text, so it is a 415.
 */
/** Routes whose JSON body is also kept as received (rawBodyOf). */
const RAW_BODY_PREFIX = '/webhooks/';

/** The JSON body of a request under RAW_BODY_PREFIX exactly as it was sent (for signature checks). */
export function rawBodyOf(request: object): string | undefined {
  const raw = (request as { rawBody?: unknown }).rawBody;
  return typeof raw === 'string' ? raw : undefined;
}

export function registerBodyParsers(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const json = fastify.getDefaultJsonParser('error', 'error');
  const notUtf8 = (): ValidationFailedError => new ValidationFailedError('the body is not UTF-8 text');
  app.useBodyParser<Server>('application/json', { bodyLimit }, (request, body, done) => {
    if (!isUtf8(body)) return done(notUtf8(), undefined);
    const text = body.toString('utf8');
    // signed requests (CXone's event pushes) are verified over the bytes as sent
    if (request.url.startsWith(RAW_BODY_PREFIX)) (request as { rawBody?: string }).rawBody = text;
    void json(request, text, done);
  });
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit }, (_request, body, done) => {
    if (isUtf8(body)) done(null, parseForm(body.toString('utf8')));
    else done(notUtf8(), undefined);
  });
  fastify.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));
  fastify.removeContentTypeParser('text/plain');
}
