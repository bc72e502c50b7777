import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify, { FastifyInstance } from 'fastify';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '@/config';
import type { DfoMessageResponse, DfoNewMessage, DfoOutboundRequest } from '@/integrations/cxone/dfo.types';
import { createSimulatorApp, SimulatorAppOptions } from '@/simulator/simulator.app';
import { HttpClient, HttpResponse } from '@test/helpers/http';

export const TENANT = {
  tenantId: 'threadline-dev-tenant',
  clientId: 'threadline-dev',
  clientSecret: 'threadline-dev-secret',
  accessKeyId: 'threadline-dev-access-key',
  accessKeySecret: 'threadline-dev-access-secret',
};

export const SMS = 'sms_threadline_dev';
export const WHATSAPP = 'whatsapp_threadline_dev';
export const CHAT = 'chat_threadline_dev';

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A simulator started in this process on a random port, with clients for its three surfaces. */
export interface SimulatorHarness {
  app: NestFastifyApplication;
  url: string;
  /** No credentials. */
  http: HttpClient;
  /** The control API (sends the control token when one is configured). */
  control: HttpClient;
  /** A platform token for the development tenant (password grant). */
  token(credentials?: Partial<typeof TENANT>): Promise<string>;
  /** A client sending `Authorization: Bearer <token>` (a fresh platform token unless given). */
  dfo(token?: string): Promise<HttpClient>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startSimulator(
  env: Record<string, string> = {},
  options: Omit<SimulatorAppOptions, 'logger'> = {},
): Promise<SimulatorHarness> {
  const config = AppConfig.load({}, { NODE_ENV: 'test', LOG_LEVEL: 'error', SIMULATOR_PORT: '0', ...env });
  const app = await createSimulatorApp(config, { ...options, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  const http = new HttpClient(url);
  const control = config.simulator.controlToken
    ? http.withHeaders({ authorization: `Bearer ${config.simulator.controlToken}` })
    : http;
  const token = async (credentials: Partial<typeof TENANT> = {}): Promise<string> => {
    const c = { ...TENANT, ...credentials };
    const res = await http.post<{ access_token: string }>(
      '/auth/token',
      form({ grant_type: 'password', username: c.accessKeyId, password: c.accessKeySecret }),
      { ...FORM, authorization: basicAuth(c.clientId, c.clientSecret) },
    );
    if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
    return res.body.access_token;
  };
  return {
    app,
    url,
    http,
    control,
    token,
    async dfo(existing?: string) {
      return http.withHeaders({ authorization: `Bearer ${existing ?? (await token())}` });
    },
    async reset() {
      const res = await control.post('/sim/reset');
      if (res.status !== 200) throw new Error(`reset failed: ${res.status} ${res.text}`);
    },
    close: () => app.close(),
  };
}

export function newMessage(overrides: Partial<DfoNewMessage> = {}): DfoNewMessage {
  return {
    idOnExternalPlatform: `msg-${randomUUID()}`,
    direction: 'inbound',
    createdAtWithMilliseconds: new Date().toISOString(),
    thread: { idOnExternalPlatform: `thread-${randomUUID()}` },
    messageContent: { type: 'TEXT', payload: { text: 'Hello' } },
    authorEndUserIdentity: { idOnExternalPlatform: 'visitor-1', firstName: 'Ana' },
    ...overrides,
  };
}

export function textOutbound(to: string, text = 'Your flight is cancelled', extra: Partial<DfoOutboundRequest> = {}) {
  return {
    messageContent: { type: 'TEXT', payload: { text } },
    recipients: [{ idOnExternalPlatform: to, isPrimary: true }],
    ...extra,
  } satisfies DfoOutboundRequest;
}

export function templateOutbound(to: string, template: string, variables: Record<string, string>, language = 'en_US') {
  return {
    messageContent: {
      type: 'PLUGIN',
      payload: { elements: [{ id: randomUUID(), type: 'TEMPLATE', template, language, variables }] },
    },
    recipients: [{ idOnExternalPlatform: to, isPrimary: true }],
  } satisfies DfoOutboundRequest;
}

export type MessageAnswer = HttpResponse<DfoMessageResponse>;

export interface MiddlewareCall {
  method: string;
  url: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A stand-in BYOC middleware (a real Fastify server): issues tokens for the simulator's client credentials, answers
 * outbound and sender-action calls, and records every call. Knobs make it refuse tokens the way a restarted
 * middleware would.
 */
export class FakeMiddleware {
  readonly calls: MiddlewareCall[] = [];
  private readonly server: FastifyInstance = Fastify();
  private readonly validTokens = new Set<string>();
  private waiters: Array<{ predicate: (calls: MiddlewareCall[]) => boolean; resolve: () => void }> = [];
  /** Answer every outbound/sender-action call with 401, whatever the token. */
  alwaysUnauthorized = false;
  /** Recipients the recipients/validation endpoint refuses (400 outboundValidationFailed). */
  readonly invalidRecipients = new Set<string>();
  url = '';

  constructor(
    readonly clientId = 'cxone-simulator',
    readonly clientSecret = 'cxone-simulator-secret',
  ) {
    const record = (method: string, url: string, authorization: string | undefined, body: unknown): void => {
      this.calls.push({ method, url, authorization, body: (body ?? {}) as Record<string, unknown> });
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(this.calls)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };
    const authorized = (authorization: string | undefined): boolean =>
      !this.alwaysUnauthorized && this.validTokens.has((authorization ?? '').replace(/^Bearer /, ''));

    this.server.post('/integration/box/1.0/token', (request, reply) => {
      record('POST', request.url, request.headers.authorization, request.body);
      const b = request.body as { grant_type?: string; client_id?: string; client_secret?: string };
      if (b.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
      if (b.client_id !== this.clientId || b.client_secret !== this.clientSecret) {
        return reply.code(401).send({ error: 'invalid_client' });
      }
      const token = randomUUID();
      this.validTokens.add(token);
      return reply.send({ access_token: token, token_type: 'Bearer', expires_in: 86400 });
    });
    this.server.post('/integration/box/2.0/channel/:channelId/outbound', (request, reply) => {
      record('POST', request.url, request.headers.authorization, request.body);
      if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'Invalid token' });
      const body = request.body as { thread: { idOnExternalPlatform: string } };
      return reply.send({
        message: {
          idOnExternalPlatform: `widget-${randomUUID()}`,
          createdAtWithMilliseconds: new Date().toISOString(),
          url: 'https://widget.example/messages/1',
        },
        thread: { idOnExternalPlatform: body.thread.idOnExternalPlatform },
      });
    });
    this.server.post('/integration/box/1.0/posts/:postId/messages', (request, reply) => {
      record('POST', request.url, request.headers.authorization, request.body);
      if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'Invalid token' });
      return reply.send({ idOnExternalPlatform: `widget-legacy-${randomUUID()}` });
    });
    this.server.post('/integration/box/1.0/channel/:channelId/recipients/validation', (request, reply) => {
      record('POST', request.url, request.headers.authorization, request.body);
      if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'Invalid token' });
      const body = request.body as { endUserRecipients?: Array<{ idOnExternalPlatform: string }> };
      const refused = (body.endUserRecipients ?? []).filter((r) => this.invalidRecipients.has(r.idOnExternalPlatform));
      if (refused.length === 0) return reply.send({ status: 'valid' });
      return reply.code(400).send({
        displayErrorMessage: `${refused[0].idOnExternalPlatform} has no open widget session`,
        errorCode: 'outboundValidationFailed',
        errors: refused.map(() => ({ path: ['idOnExternalPlatform'], message: 'unknown visitor' })),
      });
    });
    this.server.post('/integration/box/1.0/channel/:channelId/thread/:threadId/sender-action', (request, reply) => {
      record('POST', request.url, request.headers.authorization, request.body);
      if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'Invalid token' });
      return reply.code(204).send();
    });
  }

  async start(): Promise<string> {
    const address = await this.server.listen({ port: 0, host: '127.0.0.1' });
    this.url = `${address}/integration/box`;
    return this.url;
  }

  /** Forgets every token it issued (as after a restart): the next call with an old token gets 401. */
  revokeTokens(): void {
    this.validTokens.clear();
  }

  callsTo(suffix: string): MiddlewareCall[] {
    return this.calls.filter((c) => c.url.endsWith(suffix) || c.url.includes(suffix));
  }

  /** Resolves once the recorded calls satisfy `predicate` (immediately if they already do). */
  waitFor(predicate: (calls: MiddlewareCall[]) => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate(this.calls)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`middleware calls never matched: ${JSON.stringify(this.calls)}`)),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  clear(): void {
    this.calls.length = 0;
    this.alwaysUnauthorized = false;
    this.invalidRecipients.clear();
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}

export interface WebhookCall {
  /** Arrival order at the receiver, from 1. */
  n: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received (what the signature covers). */
  raw: string;
  body: { eventId: string; eventObject: string; eventType: string; data: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  /** The status this receiver answered. */
  status: number;
}

/** Whether `headers` carry a valid x-cxone-signature of `raw` (HMAC-SHA256 over "<timestamp>.<raw>"). */
export function hasValidSignature(
  headers: Record<string, string | string[] | undefined>,
  raw: string,
  secret: string,
): boolean {
  const timestamp = headers['x-cxone-timestamp'];
  const signature = headers['x-cxone-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A stand-in for Threadline's webhook (a real Fastify server): records every push with its headers and raw body.
 * It answers 401 to a push without a valid HMAC signature (or bearer token, in bearer mode), else 204 or the
 * statuses queued with `failNext`; `hold()` keeps its answers back until released.
 */
export class FakeWebhook {
  readonly calls: WebhookCall[] = [];
  // Pushes the simulator abandoned (reset, shutdown) must not hold stop() open.
  private readonly server: FastifyInstance = Fastify({ forceCloseConnections: true });
  private readonly queued: number[] = [];
  private waiters: Array<{ predicate: (calls: WebhookCall[]) => boolean; resolve: () => void }> = [];
  private held: Promise<void> | null = null;
  /** What a push must carry: 'hmac' (x-cxone-signature) or 'bearer' (authorization). */
  auth: 'hmac' | 'bearer' = 'hmac';
  url = '';

  constructor(
    readonly secret: string,
    readonly path = '/webhooks/cxone/acct-1',
  ) {
    this.server.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, raw, done) =>
      done(null, raw),
    );
    this.server.post(path, async (request, reply) => {
      const raw = request.body as string;
      const authentic =
        this.auth === 'hmac'
          ? hasValidSignature(request.headers, raw, this.secret)
          : request.headers.authorization === `Bearer ${this.secret}`;
      const status = authentic ? (this.queued.shift() ?? 204) : 401;
      this.calls.push({
        n: this.calls.length + 1,
        headers: request.headers,
        raw,
        body: JSON.parse(raw) as WebhookCall['body'],
        status,
      });
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(this.calls)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      if (this.held) await this.held;
      return reply.code(status).send(status === 204 ? undefined : { error: 'refused by the test' });
    });
  }

  /** Holds every answer back until the returned function is called. */
  hold(): () => void {
    let release = (): void => {};
    this.held = new Promise((resolve) => (release = resolve));
    return () => {
      this.held = null;
      release();
    };
  }

  async start(): Promise<string> {
    const address = await this.server.listen({ port: 0, host: '127.0.0.1' });
    this.url = `${address}${this.path}`;
    return this.url;
  }

  /** The next answers, in order (then 204 again). */
  failNext(...statuses: number[]): void {
    this.queued.push(...statuses);
  }

  of(eventType: string): WebhookCall[] {
    return this.calls.filter((c) => c.body.eventType === eventType);
  }

  /** Resolves once the recorded calls satisfy `predicate` (immediately if they already do). */
  waitFor(predicate: (calls: WebhookCall[]) => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate(this.calls)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`webhook calls never matched: ${JSON.stringify(this.calls.map((c) => c.body))}`)),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  clear(): void {
    this.calls.length = 0;
    this.queued.length = 0;
    this.auth = 'hmac';
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}
