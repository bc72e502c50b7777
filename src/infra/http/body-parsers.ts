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
export function registerBodyParsers(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const json = fastify.getDefaultJsonParser('error', 'error');
  const notUtf8 = (): ValidationFailedError => new ValidationFailedError('the body is not UTF-8 text');
  app.useBodyParser<Server>('application/json', { bodyLimit }, (request, body, done) => {
    if (isUtf8(body)) void json(request, body.toString('utf8'), done);
    else done(notUtf8(), undefined);
  });
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit }, (_request, body, done) => {
    if (isUtf8(body)) done(null, parseForm(body.toString('utf8')));
    else done(notUtf8(), undefined);
  });
  fastify.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));
  fastify.removeContentTypeParser('text/plain');
}
