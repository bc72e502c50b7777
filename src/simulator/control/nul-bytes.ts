import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ControlError } from '@/simulator/common/sim-errors';

/** The path (`agent.firstName`, `items[2]`, `body`) of the first string or key holding a NUL byte, or null. */
export function findNulByte(value: unknown, path = 'body', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNulByte(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const child = path === 'body' ? key : `${path}.${key}`;
    if (key.includes('\u0000')) return child;
    const found = findNulByte(item, child, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Control API bodies (/sim/*) never carry NUL bytes: one anywhere (a value or a key) is a 400 naming the field,
 * before any route looks at the body. One check for every control route, so none can forget it.
 */
export function installControlBodyCheck(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preHandler', (request, reply, done) => {
      const field = request.url.startsWith('/sim/') ? findNulByte(request.body) : null;
      if (!field) return done();
      const error = new ControlError(400, `${field} must not contain NUL bytes`, [
        { field, message: `${field} must not contain NUL bytes`, errorCode: 'invalidValue' },
      ]);
      void reply.code(error.status).send(error.body);
    });
}
