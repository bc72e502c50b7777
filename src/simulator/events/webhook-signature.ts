import { createHmac } from 'node:crypto';

export type WebhookAuth = 'hmac' | 'bearer';

export const SIGNATURE_HEADER = 'x-cxone-signature';
export const TIMESTAMP_HEADER = 'x-cxone-timestamp';

/**
 * `sha256=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`: the signature of one push. A simulator
 * convention shared with Threadline's webhook (no public source shows how CXone signs pushes, cxone-api.md §6).
 */
export function webhookSignature(secret: string, timestampSeconds: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex')}`;
}

/**
 * The authentication headers of one push: hmac → x-cxone-timestamp + x-cxone-signature; bearer →
 * `authorization: Bearer <secret>`. `tamper` makes them wrong in a way only a verifying receiver notices (a
 * signature with another key, or another bearer token), for bad-signature tests.
 */
export function webhookAuthHeaders(
  auth: WebhookAuth,
  secret: string,
  timestampSeconds: number,
  rawBody: string,
  tamper = false,
): Record<string, string> {
  const key = tamper ? `${secret}-tampered` : secret;
  switch (auth) {
    case 'hmac':
      return {
        [TIMESTAMP_HEADER]: String(timestampSeconds),
        [SIGNATURE_HEADER]: webhookSignature(key, timestampSeconds, rawBody),
      };
    case 'bearer':
      return { authorization: `Bearer ${key}` };
  }
}
