import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AppConfig } from '@/config';
import type { CxonePrincipal } from '@/infra/auth/principal';
import { RedisService } from '@/infra/redis/redis.service';

const TOKEN_PREFIX = 'tlb_';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

/**
 * The short-lived opaque bearer tokens CXone gets from /1.0/token, kept in Redis by their SHA-256 (never the token
 * itself) with their lifetime as TTL, so every api replica accepts them. Redis losing them only costs CXone a 401,
 * which it answers by fetching a new token.
 */
@Injectable()
export class ByocTokens {
  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  async issue(principal: CxonePrincipal): Promise<IssuedToken> {
    const accessToken = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const ttl = this.config.byoc.tokenTtlSeconds;
    const key = this.tokenKey(accessToken);
    await this.redis.client
      .multi()
      .set(key, JSON.stringify(principal), 'EX', ttl)
      .sadd(this.clientKey(principal.callbackClientId), key)
      .expire(this.clientKey(principal.callbackClientId), ttl)
      .exec();
    return { accessToken, expiresIn: ttl };
  }

  /** The principal a live token stands for; null for a missing, unknown or expired token. */
  async verify(accessToken: string): Promise<CxonePrincipal | null> {
    if (!accessToken.startsWith(TOKEN_PREFIX) || accessToken.length > 100) return null;
    const stored = await this.redis.client.get(this.tokenKey(accessToken));
    return stored ? (JSON.parse(stored) as CxonePrincipal) : null;
  }

  /** Every token issued to the client stops working now (it was revoked). */
  async revokeAll(callbackClientId: string): Promise<void> {
    const setKey = this.clientKey(callbackClientId);
    const keys = await this.redis.client.smembers(setKey);
    await this.redis.client.del(setKey, ...keys);
  }

  /**
   * Token and client keys share one hash tag: issue's transaction and revokeAll's DEL touch a token and its client's
   * set together, and only the client set knows the token (verify has only the token), so they cannot be grouped per
   * client. On a Redis Cluster all BYOC tokens live in one slot, which their volume (one per CXone login) allows.
   */
  private tokenKey(token: string): string {
    return this.redis.key('{byoc}', 'token', createHash('sha256').update(token).digest('hex'));
  }

  private clientKey(callbackClientId: string): string {
    return this.redis.key('{byoc}', 'client', callbackClientId, 'tokens');
  }
}
