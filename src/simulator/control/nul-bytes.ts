import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
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
 * before the route looks at the body. A guard after ControlGuard on every control controller, so an unauthenticated
 * caller still gets the 401 and no route can forget the check.
 */
@Injectable()
export class NoNulBytesGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const field = findNulByte(ctx.switchToHttp().getRequest<FastifyRequest>().body);
    if (!field) return true;
    const message = `${field} must not contain NUL bytes`;
    throw new ControlError(400, message, [{ field, message, errorCode: 'invalidValue' }]);
  }
}
