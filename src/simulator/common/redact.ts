/** Keys whose values never leave the simulator through /sim/requests (credentials and tokens). */
const SECRET_KEYS = new Set(
  [
    'client_secret',
    'clientSecret',
    'password',
    'username',
    'accessKeyId',
    'accessKeySecret',
    'access_token',
    'accessToken',
    'refresh_token',
    'refreshToken',
    'id_token',
    'token',
    'authorization',
    'middlewareClientSecret',
  ].map((k) => k.toLowerCase()),
);

export const REDACTED = '[redacted]';

/** A copy of `value` with every secret-named property replaced by "[redacted]" (at any depth). */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) && item !== undefined ? REDACTED : redactSecrets(item, depth + 1);
  }
  return out;
}
