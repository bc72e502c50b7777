import { Injectable } from '@nestjs/common';
import { SimClock } from '@/simulator/common/clock';
import { encodeJwt } from '@/simulator/common/jwt';
import { randomToken } from '@/simulator/common/ids';

/**
 * platform: /auth/token (password or client_credentials grant); legacy: /engager/2.0/token;
 * channelAdmin: the accessToken a one-time-token verification returns (channel API only).
 */
export type TokenKind = 'platform' | 'legacy' | 'channelAdmin';

export interface IssuedToken {
  tenantId: string;
  kind: TokenKind;
  issuedAt: number;
  expiresAt: number;
}

export interface OneTimeToken {
  token: string;
  tenantId: string;
  brandId: number;
  userId: number;
  purpose: string;
  expiresAt: number;
  used: boolean;
}

export type TokenCheck = { ok: true; token: IssuedToken } | { ok: false; reason: 'missing' | 'unknown' | 'expired' };

const ONE_TIME_TOKEN_TTL_MS = 10 * 60_000;
/** Sweep expired tokens when the store grows past this many. */
const SWEEP_AT = 10_000;

/** Access, refresh and one-time tokens, in memory with their expiry (on the simulator's clock). */
@Injectable()
export class TokenStore {
  private access = new Map<string, IssuedToken>();
  private refresh = new Map<string, { tenantId: string; clientId: string; expiresAt: number }>();
  private oneTime = new Map<string, OneTimeToken>();

  constructor(private readonly clock: SimClock) {}

  issueAccess(input: { tenantId: string; kind: TokenKind; ttlSeconds: number; issuer: string; subject: string }): {
    token: string;
    expiresIn: number;
  } {
    const now = this.clock.nowMs();
    const iat = Math.floor(now / 1000);
    const token = encodeJwt({
      iss: input.issuer,
      sub: input.subject,
      aud: 'cxone',
      tenantId: input.tenantId,
      tenant_id: input.tenantId,
      token_kind: input.kind,
      iat,
      exp: iat + input.ttlSeconds,
    });
    if (this.access.size >= SWEEP_AT) this.sweep(now);
    this.access.set(token, {
      tenantId: input.tenantId,
      kind: input.kind,
      issuedAt: now,
      expiresAt: now + input.ttlSeconds * 1000,
    });
    return { token, expiresIn: input.ttlSeconds };
  }

  issueRefresh(tenantId: string, clientId: string, ttlSeconds: number): string {
    const token = randomToken(32);
    this.refresh.set(token, { tenantId, clientId, expiresAt: this.clock.nowMs() + ttlSeconds * 1000 });
    return token;
  }

  /** Consumes a refresh token (single use, rotated on every refresh). */
  useRefresh(token: string, clientId: string): string | null {
    const record = this.refresh.get(token);
    if (!record || record.clientId !== clientId || record.expiresAt <= this.clock.nowMs()) return null;
    this.refresh.delete(token);
    return record.tenantId;
  }

  check(token: string | undefined): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const record = this.access.get(token);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.expiresAt <= this.clock.nowMs()) return { ok: false, reason: 'expired' };
    return { ok: true, token: record };
  }

  /** POST /sim/tokens/expire: every token issued so far stops working now. Answers how many were live. */
  expireAll(): number {
    const now = this.clock.nowMs();
    let live = 0;
    for (const record of this.access.values()) {
      if (record.expiresAt > now) live++;
      record.expiresAt = now;
    }
    for (const record of this.refresh.values()) record.expiresAt = now;
    return live;
  }

  issueOneTime(input: { tenantId: string; brandId: number; userId: number; purpose: string }): OneTimeToken {
    const record: OneTimeToken = {
      token: randomToken(24),
      ...input,
      expiresAt: this.clock.nowMs() + ONE_TIME_TOKEN_TTL_MS,
      used: false,
    };
    this.oneTime.set(record.token, record);
    return record;
  }

  oneTimeToken(token: string): OneTimeToken | undefined {
    return this.oneTime.get(token);
  }

  clear(): void {
    this.access = new Map();
    this.refresh = new Map();
    this.oneTime = new Map();
  }

  private sweep(now: number): void {
    for (const [token, record] of this.access) if (record.expiresAt <= now) this.access.delete(token);
    for (const [token, record] of this.refresh) if (record.expiresAt <= now) this.refresh.delete(token);
    for (const [token, record] of this.oneTime) if (record.used || record.expiresAt <= now) this.oneTime.delete(token);
  }
}
