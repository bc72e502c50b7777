import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';

/** The most of a declared body that is read and dropped after an early answer, to keep the connection (20 MiB). */
export const MAX_DRAIN_BYTES = 20 * 1024 * 1024;

/**
 * Early answers to streamed bodies (a CSV refused at its second row, or before its first byte) must not leave the
 * connection stuck: Node stops reading a keep-alive connection while the current request's body is neither read nor
 * dropped, so the next request on it was never answered and shutdown waited for it until its deadline. The rest of a
 * body of a declared length up to MAX_DRAIN_BYTES is read and dropped, and the connection stays usable; a larger or
 * undeclared (chunked) rest gets `Connection: close`, as Fastify does when its own body parsers fail.
 */
export function registerUnreadBodyRelease(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    if (request.body instanceof Readable && !request.raw.complete) {
      const declared = Number(request.headers['content-length']);
      if (!(declared <= MAX_DRAIN_BYTES)) void reply.header('connection', 'close');
      request.raw.resume(); // read and drop the rest (until Node closes the connection, with `close`)
    }
    done();
  });
}
