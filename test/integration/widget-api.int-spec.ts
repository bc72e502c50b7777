import { createHmac } from 'node:crypto';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient, HttpResponse } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

interface Session {
  token: string;
  expiresAt: string;
  customer: { id: string; name: string | null };
}
interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
}

const SHOP = 'https://shop.example.com';
const IDENTITY_SECRET = 'a-secret-the-business-backend-signs-customer-ids-with';
const sign = (customerId: string, issuedAt: number, secret = IDENTITY_SECRET): string =>
  createHmac('sha256', secret).update(`${customerId}.${issuedAt}`).digest('hex');

/** The public widget API as a browser page and an attacker would use it: origins, identities, limits, bad input. */
describe('widget API (/widget/v1)', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let channelId: string;

  const startSession = (body: unknown, headers: Record<string, string> = {}): Promise<HttpResponse<Session>> =>
    t.http.post<Session>(`/widget/v1/channels/${channelId}/sessions`, body, headers);
  const as = (session: Session): HttpClient => t.http.withHeaders({ authorization: `Bearer ${session.token}` });

  beforeAll(async () => {
    sim = await startSimulator();
    t = await startTestApp({ ...sim.appEnv, WIDGET_POSTS_PER_MINUTE: '5', BYOC_STATUS_POLL_MS: '600000' });
    admin = await t.clientWithScopes('admin');
    channelId = (await t.http.get<{ channelId: string }>('/widget/v1/demo-channel')).body.channelId;
    const patched = await admin.patch(`/api/v1/channels/${channelId}`, {
      widgetOrigins: [SHOP],
      identitySecret: IDENTITY_SECRET,
    });
    expect(patched.status).toBe(200);
    expect(patched.text).not.toContain(IDENTITY_SECRET);
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  describe('origins (CORS per channel)', () => {
    it('answers a preflight from an allowed origin and refuses one from elsewhere', async () => {
      const preflight = (origin: string) =>
        t.http.request('OPTIONS', `/widget/v1/channels/${channelId}/sessions`, undefined, {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        });
      const allowed = await preflight(SHOP);
      expect([allowed.status, allowed.headers.get('access-control-allow-origin')]).toEqual([204, SHOP]);
      expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      const refused = await preflight('https://evil.example.net');
      expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    });

    it("starts a session from the channel's origin (with CORS headers) and refuses another origin", async () => {
      const ok = await startSession({}, { origin: SHOP });
      expect([ok.status, ok.headers.get('access-control-allow-origin')]).toEqual([201, SHOP]);
      const refused = await t.http.post<ErrorBody>(
        `/widget/v1/channels/${channelId}/sessions`,
        {},
        { origin: 'https://evil.example.net' },
      );
      expect([refused.status, refused.body.error, refused.headers.get('access-control-allow-origin')]).toEqual([
        403,
        'Forbidden',
        null,
      ]);
    });
  });

  describe('identities', () => {
    it("takes a customer id the business's backend signed, and refuses a wrong, stale or missing signature", async () => {
      const now = Math.floor(Date.now() / 1000);
      const signed = await startSession({
        customerId: 'customer-42',
        issuedAt: now,
        signature: sign('customer-42', now),
      });
      expect(signed.status).toBe(201);
      expect(signed.body.customer.id).toBe('customer-42');

      const refusals = await Promise.all([
        startSession({ customerId: 'customer-42', issuedAt: now, signature: sign('customer-43', now) }),
        startSession({ customerId: 'customer-42', issuedAt: now, signature: sign('customer-42', now, 'other secret') }),
        startSession({ customerId: 'customer-42', issuedAt: now - 3600, signature: sign('customer-42', now - 3600) }),
        startSession({ customerId: 'customer-42' }),
      ]);
      expect(refusals.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    });

    it('lets an anonymous visitor come back with the id it was given, and nobody use a forged token', async () => {
      const first = await startSession({ name: 'Ana' });
      expect(first.body.customer.id).toMatch(/^v-[0-9a-f-]{36}$/);
      const back = await startSession({ visitorId: first.body.customer.id });
      expect(back.body.customer.id).toBe(first.body.customer.id);
      expect((await as(first.body).post('/widget/v1/messages', { clientMessageId: 'm1', text: 'hi' })).status).toBe(
        202,
      );
      const history = await as(back.body).get<{ messages: Array<{ text: string }> }>('/widget/v1/conversation');
      expect(history.body.messages.map((m) => m.text)).toEqual(['hi']);

      const [prefix, payload] = first.body.token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const resigned = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, u: 'customer-42' })).toString('base64url')}.${sign('x', 1)}`;
      const unsigned = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, e: 9_999_999_999 })).toString('base64url')}`;
      const expired = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, e: 1 })).toString('base64url')}.${first.body.token.split('.')[2]}`;
      const answers = await Promise.all(
        [resigned, unsigned, expired, 'tlw1.garbage', ''].map((token) =>
          t.http.get<ErrorBody>('/widget/v1/conversation', { authorization: `Bearer ${token}` }),
        ),
      );
      expect(answers.map((a) => [a.status, a.body.statusCode])).toEqual([
        [401, 401],
        [401, 401],
        [401, 401],
        [401, 401],
        [401, 401],
      ]);
    });
  });

  describe('posts', () => {
    it('stores the same clientMessageId once and limits posts per session per minute (429 with Retry-After)', async () => {
      // the limit counts per wall-clock minute: a run that straddles a minute boundary is repeated once
      const minute = (): number => Math.floor(Date.now() / 60_000);
      const attempt = async () => {
        const startedIn = minute();
        const http = as((await startSession({})).body);
        const first = await http.post<{ id: string }>('/widget/v1/messages', { clientMessageId: 'same', text: 'one' });
        const repeat = await http.post<{ id: string }>('/widget/v1/messages', { clientMessageId: 'same', text: 'one' });
        const statuses: number[] = [first.status, repeat.status];
        let limited: HttpResponse<ErrorBody> | undefined;
        for (let i = 0; i < 5; i++) {
          const r = await http.post<ErrorBody>('/widget/v1/messages', { clientMessageId: `n${i}`, text: `n${i}` });
          statuses.push(r.status);
          if (r.status === 429) limited = r;
        }
        const history = await http.get<{ messages: Array<{ text: string }> }>('/widget/v1/conversation');
        return { sameMinute: startedIn === minute(), first, repeat, statuses, limited, history };
      };
      let run = await attempt();
      if (!run.sameMinute) run = await attempt();
      expect(run.repeat.body.id).toBe(run.first.body.id);
      expect(run.statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
      expect(run.limited?.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      expect(Number(run.limited?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(run.history.body.messages.map((m) => m.text)).toEqual(['one', 'n0', 'n1', 'n2']);
    });

    it('refuses bad input with a 4xx in the one error shape', async () => {
      const http = as((await startSession({})).body);
      const cases: Array<[string, Promise<HttpResponse<ErrorBody>>]> = [
        ['no clientMessageId', http.post('/widget/v1/messages', { text: 'x' })],
        ['empty text', http.post('/widget/v1/messages', { clientMessageId: 'a', text: '' })],
        ['text over 2000', http.post('/widget/v1/messages', { clientMessageId: 'b', text: 'x'.repeat(2001) })],
        ['NUL in text', http.post('/widget/v1/messages', { clientMessageId: 'c', text: 'a\u0000b' })],
        ['null text', http.post('/widget/v1/messages', { clientMessageId: 'd', text: null })],
        ['bad client id', http.post('/widget/v1/messages', { clientMessageId: 'a b', text: 'x' })],
        ['not JSON', http.post('/widget/v1/messages', '{"text":', { 'content-type': 'application/json' })],
        ['typing not boolean', http.post('/widget/v1/typing', { typing: 'yes' })],
        ['10 MB', http.post('/widget/v1/messages', { clientMessageId: 'e', text: 'x'.repeat(10 * 1024 * 1024) })],
        ['unknown channel', t.http.post('/widget/v1/channels/00000000-0000-4000-8000-000000000000/sessions', {})],
        ['channel not a uuid', t.http.post('/widget/v1/channels/chat_threadline_dev/sessions', {})],
      ];
      const answers = await Promise.all(
        cases.map(async ([name, call]) => {
          const r = await call;
          return { name, status: r.status, shaped: typeof r.body === 'object' && r.body?.statusCode === r.status };
        }),
      );
      const wrong = answers.filter((a) => a.status < 400 || a.status >= 500 || !a.shaped);
      expect(wrong).toEqual([]);
      expect(answers.find((a) => a.name === 'unknown channel')?.status).toBe(404);
      expect(answers.find((a) => a.name === '10 MB')?.status).toBe(413);
      const history = await http.get<{ messages: unknown[] }>('/widget/v1/conversation');
      expect(history.body.messages).toEqual([]);
    });

    it('refuses a post to a conversation the customer ended (409)', async () => {
      const http = as((await startSession({})).body);
      expect((await http.post('/widget/v1/messages', { clientMessageId: 'x1', text: 'before' })).status).toBe(202);
      const ended = await http.post<{ status: string; endedBy: string }>('/widget/v1/conversation/end');
      expect(ended.body).toMatchObject({ status: 'ended', endedBy: 'customer' });
      const after = await http.post<ErrorBody>('/widget/v1/messages', { clientMessageId: 'x2', text: 'after' });
      expect([after.status, after.body.statusCode]).toEqual([409, 409]);
    });
  });
});
