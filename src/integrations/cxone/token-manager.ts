import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectionFingerprint, type CxoneAccountSettings } from '@/config';
import type { RedisClient } from '@/infra/redis/redis-options';
import type { CxoneAccountRef } from './cxone.client';
import { CxoneAuthError } from './cxone.errors';
import { CxoneHttp, ensureOk } from './cxone-http';
import type { CxoneConfiguration, OpenIdConfiguration, TokenResponse } from './dfo.types';

/** A usable session with one tenant: the bearer token and the DFO base it is good for. */
export interface CxoneSession {
  accessToken: string;
  /** When the token expires (ms since epoch). */
  expiresAtMs: number;
  /** From then on, one caller fetches a new token while the others keep using this one. */
  refreshAtMs: number;
  /** e.g. https://api-de-na1.niceincontact.com/dfo/3.0 */
  dfoBase: string;
  tenantId: string | null;
}

/** Where a tenant's token endpoint and DFO host are: found once, reused for every later token. */
interface Discovered {
  tokenEndpoint?: string;
  dfoBase?: string;
  /** When it was found (ms); older than DISCOVERY_MAX_AGE_MS it is looked up again, and kept if that fails. */
  at: number;
}

const LOCK_TTL_MS = 15_000;
const DISCOVERY_MAX_AGE_MS = 24 * 3600 * 1000;
const POLL_MS = 25;
/** A token this close to expiry is not handed out any more. */
const EXPIRY_GUARD_MS = 5_000;
/**
 * How long this process reuses the session it last read from Redis without reading it again: a Redis round trip less
 * on every CXone call. A token that CXone refuses (401) is dropped at once; one another process replaced is still
 * valid, and is picked up within this time.
 */
const LOCAL_REUSE_MS = 5_000;

const COMPARE_AND_DELETE = `
if redis.call('HGET', KEYS[1], 'accessToken') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Tokens for CXone, fetched once and shared by every process through Redis.
 *
 * - Discovery: the token endpoint from {issuer}/.well-known/openid-configuration (unless configured), the tenant id
 *   from the token's JWT claims, the DFO base from {issuer}/.well-known/cxone-configuration (unless configured).
 *   What discovery found is kept (in process memory and in Redis) and reused for every later token, so a discovery
 *   outage never reaches the send path once discovery has succeeded; it is looked up again after a day, and the old
 *   answer stays in use if that lookup fails.
 * - No stampede: when no valid token exists, exactly one caller (across processes, by a Redis lock) fetches one and
 *   the others wait for it. When the token is merely close to expiry, one caller refreshes it while the others keep
 *   using the current one.
 * - `invalidate` drops a token CXone answered 401 to (only if it is still the cached one), so the next call fetches a
 *   fresh one.
 */
export class CxoneTokenManager {
  private readonly logger = new Logger(CxoneTokenManager.name);
  private readonly inflight = new Map<string, Promise<CxoneSession>>();
  private readonly refreshing = new Set<string>();
  private readonly discovered = new Map<string, Discovered>();
  /** The session last read or fetched here, per account key, and until when it is reused without a read. */
  private readonly local = new Map<string, { session: CxoneSession; until: number }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly http: CxoneHttp,
  ) {
    redis.defineCommand('threadlineCompareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
    redis.defineCommand('threadlineReleaseLock', { numberOfKeys: 1, lua: RELEASE_LOCK });
  }

  async session(account: CxoneAccountRef): Promise<CxoneSession> {
    const key = this.sessionKey(account);
    const now = Date.now();
    const reused = this.local.get(key);
    if (reused && now < reused.until && now < reused.session.refreshAtMs) return reused.session;
    const cached = await this.read(key);
    if (cached && now < cached.refreshAtMs) {
      this.local.set(key, { session: cached, until: now + LOCAL_REUSE_MS });
      return cached;
    }
    if (cached && now < cached.expiresAtMs - EXPIRY_GUARD_MS) {
      this.refreshInBackground(account, key);
      return cached;
    }
    return this.single(key, () => this.fetchOrWait(account, key));
  }

  /** Forgets `accessToken` if it is still the cached token (after CXone answered 401 to it). */
  async invalidate(account: CxoneAccountRef, accessToken: string): Promise<void> {
    this.local.delete(this.sessionKey(account));
    await (this.redis as unknown as Scripts).threadlineCompareAndDelete(this.sessionKey(account), accessToken);
  }

  private single(key: string, fetch: () => Promise<CxoneSession>): Promise<CxoneSession> {
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = fetch().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private refreshInBackground(account: CxoneAccountRef, key: string): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    void (async () => {
      const lock = await this.tryLock(key);
      if (!lock) return; // another process is refreshing; the current token stays in use meanwhile
      try {
        await this.fetchAndStore(account, key);
      } finally {
        await this.unlock(key, lock);
      }
    })()
      .catch((err: unknown) =>
        this.logger.warn(`early token refresh failed (the current token stays in use): ${String(err)}`),
      )
      .finally(() => this.refreshing.delete(key));
  }

  private async fetchOrWait(account: CxoneAccountRef, key: string): Promise<CxoneSession> {
    const deadline = Date.now() + LOCK_TTL_MS + this.http.timeoutMs;
    while (Date.now() < deadline) {
      const lock = await this.tryLock(key);
      if (lock) {
        try {
          // Another process may have stored a token between our read and our lock.
          const fresh = await this.read(key);
          if (fresh && Date.now() < fresh.expiresAtMs - EXPIRY_GUARD_MS) return fresh;
          return await this.fetchAndStore(account, key);
        } finally {
          await this.unlock(key, lock);
        }
      }
      await sleep(POLL_MS);
      const stored = await this.read(key);
      if (stored && Date.now() < stored.expiresAtMs - EXPIRY_GUARD_MS) return stored;
    }
    throw new CxoneAuthError('token', undefined, 'timed out waiting for another process to fetch a token');
  }

  private async fetchAndStore(account: CxoneAccountRef, key: string): Promise<CxoneSession> {
    const session = await this.fetchSession(account);
    const ttlMs = Math.max(1000, session.expiresAtMs - Date.now());
    await this.redis
      .multi()
      .del(key)
      .hset(key, {
        accessToken: session.accessToken,
        expiresAtMs: String(session.expiresAtMs),
        refreshAtMs: String(session.refreshAtMs),
        dfoBase: session.dfoBase,
        tenantId: session.tenantId ?? '',
      })
      .pexpire(key, ttlMs)
      .exec();
    this.local.set(key, { session, until: Date.now() + LOCAL_REUSE_MS });
    this.logger.log({ account: account.settings.name, tenantId: session.tenantId }, 'CXone token fetched');
    return session;
  }

  private async fetchSession(account: CxoneAccountRef): Promise<CxoneSession> {
    const settings = account.settings;
    const known = await this.knownDiscovery(account);
    const tokenEndpoint =
      settings.tokenUrl ??
      (await this.rediscover(account, known, 'tokenEndpoint', () => this.discoverTokenEndpoint(settings)));
    const token = await this.requestToken(tokenEndpoint, settings);
    const tenantId = tenantIdFromJwt(token.id_token) ?? tenantIdFromJwt(token.access_token);
    const dfoBase =
      settings.apiBaseUrl?.replace(/\/$/, '') ??
      (await this.rediscover(account, known, 'dfoBase', () => this.discoverDfoBase(settings, tenantId)));
    const lifetimeMs = (Number(token.expires_in) > 0 ? Number(token.expires_in) : 3600) * 1000;
    const fetchedAt = Date.now();
    return {
      accessToken: token.access_token,
      expiresAtMs: fetchedAt + lifetimeMs,
      refreshAtMs: fetchedAt + lifetimeMs - Math.min(5 * 60_000, lifetimeMs * 0.2),
      dfoBase,
      tenantId,
    };
  }

  /** What discovery found earlier for this account: this process's memory, else Redis (another process found it). */
  private async knownDiscovery(account: CxoneAccountRef): Promise<Discovered> {
    const key = this.discoveryKey(account);
    const inMemory = this.discovered.get(key);
    if (inMemory) return inMemory;
    const stored: Record<string, string> = await this.redis.hgetall(key).catch(() => ({}));
    const found: Discovered = {
      ...(stored.tokenEndpoint ? { tokenEndpoint: stored.tokenEndpoint } : {}),
      ...(stored.dfoBase ? { dfoBase: stored.dfoBase } : {}),
      at: Number(stored.at) || 0,
    };
    if (found.tokenEndpoint || found.dfoBase) this.discovered.set(key, found);
    return found;
  }

  /** The known value while it is fresh; else a new lookup, falling back to the old value if the lookup fails. */
  private async rediscover(
    account: CxoneAccountRef,
    known: Discovered,
    field: 'tokenEndpoint' | 'dfoBase',
    lookup: () => Promise<string>,
  ): Promise<string> {
    const current = known[field];
    if (current && Date.now() - known.at < DISCOVERY_MAX_AGE_MS) return current;
    let value: string;
    try {
      value = await lookup();
    } catch (err) {
      if (!current) throw err;
      this.logger.warn(`CXone discovery failed; keeping the ${field} found earlier: ${String(err)}`);
      return current;
    }
    const key = this.discoveryKey(account);
    const updated: Discovered = { ...(this.discovered.get(key) ?? known), [field]: value, at: Date.now() };
    this.discovered.set(key, updated);
    await this.redis
      .multi()
      .hset(key, { [field]: value, at: String(updated.at) })
      .pexpire(key, 2 * DISCOVERY_MAX_AGE_MS)
      .exec()
      .catch(() => undefined); // memory still has it; another process will look it up itself
    return value;
  }

  private async discoverTokenEndpoint(settings: CxoneAccountSettings): Promise<string> {
    const issuer = requireIssuer(settings);
    const response = ensureOk(
      'discovery',
      await this.http.request<OpenIdConfiguration>({
        operation: 'discovery',
        method: 'GET',
        url: `${issuer}/.well-known/openid-configuration`,
      }),
    );
    if (typeof response.data?.token_endpoint !== 'string') {
      throw new CxoneAuthError('discovery', response.status, 'openid-configuration has no token_endpoint');
    }
    return response.data.token_endpoint;
  }

  private async discoverDfoBase(settings: CxoneAccountSettings, tenantId: string | null): Promise<string> {
    const issuer = requireIssuer(settings);
    if (!tenantId) {
      throw new CxoneAuthError(
        'discovery',
        undefined,
        'the token carries no tenantId claim; configure the DFO API base explicitly',
      );
    }
    const response = ensureOk(
      'discovery',
      await this.http.request<CxoneConfiguration>({
        operation: 'discovery',
        method: 'GET',
        url: `${issuer}/.well-known/cxone-configuration`,
        params: { tenantId },
      }),
    );
    const { api_endpoint: apiEndpoint, area, domain } = response.data ?? ({} as CxoneConfiguration);
    return settings.dfoBaseTemplate
      .replace('{api_endpoint}', String(apiEndpoint ?? '').replace(/\/$/, ''))
      .replace('{area}', String(area ?? ''))
      .replace('{domain}', String(domain ?? ''));
  }

  private async requestToken(tokenEndpoint: string, settings: CxoneAccountSettings): Promise<TokenResponse> {
    const legacy = new URL(tokenEndpoint).pathname.includes('/engager/');
    const request: { headers: Record<string, string>; data: unknown } = legacy
      ? {
          headers: { 'content-type': 'application/json' },
          data: {
            grant_type: 'client_credentials',
            client_id: settings.clientId,
            client_secret: settings.clientSecret,
          },
        }
      : {
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${settings.clientId}:${settings.clientSecret}`).toString('base64')}`,
          },
          data: new URLSearchParams(
            settings.authMode === 'PASSWORD'
              ? {
                  grant_type: 'password',
                  username: settings.accessKeyId ?? '',
                  password: settings.accessKeySecret ?? '',
                }
              : { grant_type: 'client_credentials' },
          ).toString(),
        };
    const response = await this.http.request<TokenResponse>({
      operation: 'token',
      method: 'POST',
      url: tokenEndpoint,
      ...request,
    });
    // The token endpoint answers bad credentials with 400 (invalid_grant) as well as 401 (invalid_client).
    if (response.status === 400) throw new CxoneAuthError('token', 400, describeOAuthError(response.data));
    ensureOk('token', response);
    if (typeof response.data?.access_token !== 'string' || !response.data.access_token) {
      throw new CxoneAuthError('token', response.status, 'the token endpoint answered without an access_token');
    }
    return response.data;
  }

  private async read(key: string): Promise<CxoneSession | null> {
    const raw = await this.redis.hgetall(key);
    if (!raw.accessToken || !raw.dfoBase) return null;
    return {
      accessToken: raw.accessToken,
      expiresAtMs: Number(raw.expiresAtMs),
      refreshAtMs: Number(raw.refreshAtMs),
      dfoBase: raw.dfoBase,
      tenantId: raw.tenantId || null,
    };
  }

  private async tryLock(key: string): Promise<string | null> {
    const id = randomUUID();
    return (await this.redis.set(`${key}:lock`, id, 'PX', LOCK_TTL_MS, 'NX')) === 'OK' ? id : null;
  }

  private async unlock(key: string, id: string): Promise<void> {
    await (this.redis as unknown as Scripts).threadlineReleaseLock(`${key}:lock`, id);
  }

  /**
   * One cache entry per account and credentials, so changed credentials never reuse an old token. The hash tag keeps
   * the entry and its `:lock` in one Redis Cluster slot.
   */
  private sessionKey(account: CxoneAccountRef): string {
    return `${this.keyPrefix}:cxone:session:{${account.id}:${connectionFingerprint(account.settings)}}`;
  }

  private discoveryKey(account: CxoneAccountRef): string {
    return `${this.keyPrefix}:cxone:discovery:{${account.id}:${connectionFingerprint(account.settings)}}`;
  }
}

interface Scripts {
  threadlineCompareAndDelete(key: string, token: string): Promise<number>;
  threadlineReleaseLock(key: string, id: string): Promise<number>;
}

function requireIssuer(settings: CxoneAccountSettings): string {
  if (!settings.issuerUrl) throw new CxoneAuthError('discovery', undefined, 'no issuer URL configured for discovery');
  return settings.issuerUrl.replace(/\/$/, '');
}

function describeOAuthError(body: unknown): string {
  if (body && typeof body === 'object') {
    const { error, error_description: description } = body as { error?: unknown; error_description?: unknown };
    if (typeof error === 'string') return typeof description === 'string' ? `${error}: ${description}` : error;
  }
  return 'HTTP 400';
}

/** The `tenantId` claim of a JWT (no signature check: it is only used to find the tenant's API host). */
export function tenantIdFromJwt(token: string | undefined): string | null {
  if (!token) return null;
  const parts = token.split('.');
  if (parts.length < 2) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const tenant = payload.tenantId ?? payload.tenant_id ?? payload.tenant;
    return typeof tenant === 'string' && tenant ? tenant : null;
  } catch {
    return null;
  }
}
