import { createHmac, timingSafeEqual } from 'node:crypto';

/** A signed push older or newer than this (by its timestamp) is refused: a captured request cannot be replayed later. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export interface WebhookHeaders {
  signature?: string | undefined;
  timestamp?: string | undefined;
  authorization?: string | undefined;
}

/**
 * Checks a CXone event push against the account's secret: either an HMAC-SHA256 signature over
 * `<timestamp>.<raw body>` (`x-cxone-signature: sha256=<hex>`, `x-cxone-timestamp: <unix seconds>`, within
 * SIGNATURE_WINDOW_SECONDS of now) or `Authorization: Bearer <secret>`. Comparisons are constant-time. Null when it
 * is genuine, else why not (for the 401 and the log, never echoing what was sent).
 */
export function webhookProblem(headers: WebhookHeaders, rawBody: string, secret: string, nowMs: number): string | null {
  if (headers.signature !== undefined) {
    const match = /^sha256=([0-9a-f]{64})$/i.exec(headers.signature.trim());
    if (!match) return 'x-cxone-signature must be sha256=<64 hex digits>';
    const timestamp = headers.timestamp?.trim() ?? '';
    if (!/^\d{1,12}$/.test(timestamp)) return 'x-cxone-timestamp must be unix seconds';
    if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) {
      return `the signature's timestamp is more than ${SIGNATURE_WINDOW_SECONDS} s from now (a replay, or a clock off)`;
    }
    const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
    const given = Buffer.from(match[1], 'hex');
    return timingSafeEqual(given, expected) ? null : 'the signature does not match';
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) {
    const given = Buffer.from(bearer[1]);
    const expected = Buffer.from(secret);
    return given.length === expected.length && timingSafeEqual(given, expected)
      ? null
      : 'the bearer secret does not match';
  }
  return 'sign the request (x-cxone-signature and x-cxone-timestamp) or send Authorization: Bearer <secret>';
}
