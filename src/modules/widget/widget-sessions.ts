import { Injectable } from '@nestjs/common';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '@/config';
import type { WidgetPrincipal } from '@/infra/auth/principal';
import { Clock } from '@/infra/time/clock';

const PREFIX = 'tlw1';

interface Payload {
  /** Threadline channel id */
  c: string;
  /** customer id (their contact's address on the channel) */
  u: string;
  /** session id */
  s: string;
  /** expiry, unix seconds */
  e: number;
}

/**
 * Widget session tokens: `tlw1.<payload>.<HMAC-SHA256>`, stateless and signed with WIDGET_SESSION_SECRET, so any api
 * replica checks them without a lookup and they survive a Redis loss. A token names one customer on one channel; the
 * widget API never lets it reach another customer's conversation or another channel.
 */
@Injectable()
export class WidgetSessions {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  issue(channelId: string, customerId: string): { token: string; expiresAt: string; sessionId: string } {
    const sessionId = randomUUID();
    const expires = Math.floor(this.clock.now() / 1000) + this.config.byoc.widgetSessionTtlSeconds;
    const payload = Buffer.from(
      JSON.stringify({ c: channelId, u: customerId, s: sessionId, e: expires } satisfies Payload),
    ).toString('base64url');
    return {
      token: `${PREFIX}.${payload}.${this.sign(payload)}`,
      expiresAt: new Date(expires * 1000).toISOString(),
      sessionId,
    };
  }

  /** The session a token stands for; null for a malformed, forged or expired one. */
  verify(token: string): WidgetPrincipal | null {
    if (token.length > 2000) return null;
    const [prefix, payload, signature] = token.split('.');
    if (prefix !== PREFIX || !payload || !signature) return null;
    const expected = Buffer.from(this.sign(payload), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let parsed: Payload;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Payload;
    } catch {
      return null;
    }
    if (typeof parsed.e !== 'number' || parsed.e * 1000 <= this.clock.now()) return null;
    if (typeof parsed.c !== 'string' || typeof parsed.u !== 'string' || typeof parsed.s !== 'string') return null;
    return { kind: 'widget', channelId: parsed.c, customerId: parsed.u, sessionId: parsed.s };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.config.byoc.widgetSessionKey).update(`${PREFIX}.${payload}`).digest('base64url');
  }
}

/** HMAC-SHA256 hex of `<customerId>.<issuedAt>` with the channel's identity secret, as the business's backend signs. */
export function customerSignature(secret: string, customerId: string, issuedAt: number): string {
  return createHmac('sha256', secret).update(`${customerId}.${issuedAt}`).digest('hex');
}
