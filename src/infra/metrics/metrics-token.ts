import { timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '@/infra/errors/domain-error';

/** Resolves when METRICS_TOKEN is unset or `authorization` carries it as a bearer token; else UnauthenticatedError. */
export function checkMetricsToken(token: string | undefined, authorization: string | undefined): Promise<void> {
  if (!token || bearerMatches(authorization, token)) return Promise.resolve();
  return Promise.reject(new UnauthenticatedError('a valid METRICS_TOKEN bearer token is required'));
}

function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
