import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import axios, { AxiosInstance } from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { realNowMs, SimClock } from '@/simulator/common/clock';
import { isObject } from '@/simulator/common/field-check';
import { SimSettings } from '@/simulator/state/sim-settings';
import type { MiddlewareOperation } from '@/simulator/traffic/operations';
import { RequestLog } from '@/simulator/traffic/request-log';
import { TrafficStats } from '@/simulator/traffic/traffic-stats';

/** What the middleware answered (status null: no answer — refused connection, timeout). */
export interface MiddlewareAnswer {
  status: number | null;
  body: unknown;
  error?: string;
  /** 'token' when the call never happened because no token could be obtained. */
  stage: 'token' | 'call';
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

const DEFAULT_TOKEN_TTL_S = 3600;

/**
 * The simulated CXone's HTTP client towards the BYOC middleware, behaving as CXone does (cxone-api.md §1.2): it gets
 * a token from `{middlewareUrl}/1.0/token` with client credentials (JSON), caches it until it expires (on the
 * simulator's clock: advancing it past the token's lifetime makes CXone fetch a new one), calls with
 * `Authorization: Bearer`, and on a 401 fetches a new token and repeats the call once. Every call, token requests
 * included, goes into the request log as direction 'to-middleware'.
 */
@Injectable()
export class MiddlewareClient implements OnModuleDestroy {
  private readonly logger = new Logger(MiddlewareClient.name);
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });
  private readonly http: AxiosInstance;
  private token: CachedToken | null = null;
  private tokenRequest: Promise<CachedToken | MiddlewareAnswer> | null = null;

  constructor(
    private readonly settings: SimSettings,
    private readonly log: RequestLog,
    private readonly stats: TrafficStats,
    private readonly clock: SimClock,
  ) {
    this.http = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      validateStatus: () => true,
      maxRedirects: 0,
      headers: { 'content-type': 'application/json', 'user-agent': 'cxone-simulator' },
    });
    settings.onChange((changed) => {
      if (changed.some((k) => k.startsWith('middleware'))) this.forgetToken();
    });
  }

  /** POST (or another method) `path` under the middleware URL, with the token and CXone's retry-once-on-401. */
  async call(
    operation: MiddlewareOperation,
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
  ): Promise<MiddlewareAnswer> {
    let token = await this.currentToken();
    if (!isToken(token)) return token;
    const first = await this.send(operation, method, path, body, token.value);
    if (first.status !== 401) return first;
    this.logger.debug(`${path} answered 401: fetching a new token and retrying once`);
    if (this.token?.value === token.value) this.token = null;
    token = await this.currentToken();
    if (!isToken(token)) return token;
    return this.send(operation, method, path, body, token.value);
  }

  forgetToken(): void {
    this.token = null;
  }

  onModuleDestroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private currentToken(): Promise<CachedToken | MiddlewareAnswer> {
    if (this.token && this.token.expiresAt > this.clock.nowMs()) return Promise.resolve(this.token);
    // One token request at a time: concurrent calls share it.
    this.tokenRequest ??= this.fetchToken().finally(() => (this.tokenRequest = null));
    return this.tokenRequest;
  }

  private async fetchToken(): Promise<CachedToken | MiddlewareAnswer> {
    const s = this.settings.value;
    const answer = await this.send('middlewareToken', 'POST', '/1.0/token', {
      grant_type: 'client_credentials',
      client_id: s.middlewareClientId,
      client_secret: s.middlewareClientSecret,
    });
    const body = answer.body;
    if (answer.status !== 200 || !isObject(body) || typeof body.access_token !== 'string' || !body.access_token) {
      this.logger.warn(`the middleware refused a token (status ${answer.status ?? 'none'})`);
      return { ...answer, stage: 'token' };
    }
    const ttlS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_TTL_S;
    // Refresh a little before the end, as a cautious client would (at most 30 s or 10% early).
    const marginMs = Math.min(30_000, ttlS * 100);
    this.token = { value: body.access_token, expiresAt: this.clock.nowMs() + ttlS * 1000 - marginMs };
    return this.token;
  }

  private async send(
    operation: MiddlewareOperation,
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
    bearer?: string,
  ): Promise<MiddlewareAnswer> {
    const s = this.settings.value;
    const url = `${s.middlewareUrl}${path}`;
    this.stats.countRequest(operation);
    const started = realNowMs();
    const entry = this.log.append({
      at: this.clock.nowMs(),
      direction: 'to-middleware',
      method,
      path: new URL(url).pathname,
      operation,
      tenantId: null,
      status: null,
      durationMs: null,
      body,
    });
    try {
      const response = await this.http.request<unknown>({
        method,
        url,
        data: body,
        timeout: s.middlewareTimeoutMs,
        headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
      });
      entry.status = response.status;
      entry.durationMs = realNowMs() - started;
      entry.responseBody = response.data === '' ? undefined : response.data;
      this.stats.middlewareCall(response.status >= 200 && response.status < 300);
      return { status: response.status, body: entry.responseBody ?? null, stage: 'call' };
    } catch (err: unknown) {
      const message = err instanceof Error ? err.message : String(err);
      entry.durationMs = realNowMs() - started;
      entry.error = message;
      this.stats.middlewareCall(false);
      this.logger.warn(`${method} ${url} failed: ${message}`);
      return { status: null, body: null, error: message, stage: 'call' };
    }
  }
}

function isToken(value: CachedToken | MiddlewareAnswer): value is CachedToken {
  return 'value' in value;
}
