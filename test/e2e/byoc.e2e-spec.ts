/*
 * The BYOC middleware as deployed: the simulator as a process of its own (playing CXone and its agents), api A (api and
 * worker: the endpoints the simulator calls, the relay, the timers) and api B (api only: where the widgets are
 * connected). What a customer and an agent would notice is asserted: what the simulator received, what a widget's
 * event stream shows, what the API answers.
 */
import { createTestDatabase, TestDatabase } from '@test/helpers/database';
import { eventually } from '@test/helpers/eventually';
import { freePort } from '@test/helpers/free-port';
import { HttpClient, HttpResponse } from '@test/helpers/http';
import { compiled, RunningProcess, spawnApp, spawnNode } from '@test/helpers/process';
import { deleteKeys, testRedis, testRedisPrefix } from '@test/helpers/redis';
import { SseEvent, SseStream } from '@test/helpers/sse';
import { TEST_REDIS_URL } from '@test/helpers/test-env';

const CXONE_CHANNEL = 'chat_threadline_dev';
const MIDDLEWARE_CLIENT_ID = 'cxone-simulator';
const MIDDLEWARE_CLIENT_SECRET = 'cxone-simulator-secret';

interface SimMessage {
  idOnExternalPlatform: string | null;
  threadIdOnExternalPlatform: string;
  contactNumber: string;
  direction: 'inbound' | 'outbound';
  messageContent: { type: string; payload?: { text?: string } };
  endUser?: { idOnExternalPlatform?: string };
}
interface SimRequest {
  seq: number;
  operation: string;
  status: number | null;
  path: string;
  body?: { idOnExternalPlatform?: string; thread?: { idOnExternalPlatform?: string } };
}
interface AgentCallResult {
  status: number | null;
  body: unknown;
  sent?: boolean;
  validation?: { status: number | null; body: unknown };
  threadIdOnExternalPlatform?: string;
}
interface Session {
  token: string;
  customer: { id: string; name: string | null };
}
interface Thread {
  id: string;
  status: string;
  endedBy: string | null;
  canWrite: boolean;
}
interface Message {
  id: string;
  threadId: string;
  author: string;
  text: string;
  state: string;
  clientMessageId: string | null;
}
interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

describe('BYOC middleware with the simulator as CXone, across two api processes', () => {
  let db: TestDatabase;
  let prefix: string;
  let sim: RunningProcess;
  let control: HttpClient;
  let apiA: RunningProcess;
  let apiB: RunningProcess;
  let a: HttpClient;
  let b: HttpClient;
  let admin: HttpClient;
  let channelId: string;
  let simPort: number;
  const streams: SseStream[] = [];
  let clientSeq = 0;

  /** A widget customer on api B: an anonymous session with an open conversation. */
  const customer = async (
    name = 'Ana',
  ): Promise<{ session: Session; http: HttpClient; thread: Thread; stream: () => Promise<SseStream> }> => {
    const started = await b.post<Session>(`/widget/v1/channels/${channelId}/sessions`, { name });
    expect(started.status).toBe(201);
    const http = b.withHeaders({ authorization: `Bearer ${started.body.token}` });
    const thread = await http.post<Thread>('/widget/v1/conversation');
    expect(thread.status).toBe(201);
    return {
      session: started.body,
      http,
      thread: thread.body,
      stream: async () => {
        const s = await SseStream.open(`${b.baseUrl}/widget/v1/events`, {
          authorization: `Bearer ${started.body.token}`,
        });
        streams.push(s);
        expect(s.status).toBe(200);
        return s;
      },
    };
  };
  const post = (http: HttpClient, text: string, clientMessageId = `c${++clientSeq}`): Promise<HttpResponse<Message>> =>
    http.post<Message>('/widget/v1/messages', { clientMessageId, text });

  /** The customer message with this text as the simulated CXone stored it (waits for the relay). */
  const atCxone = async (text: string): Promise<SimMessage[]> => {
    let found: SimMessage[] = [];
    await eventually(
      async () => {
        found = (
          await control.get<SimMessage[]>(`/sim/messages?channelId=${CXONE_CHANNEL}&direction=inbound`)
        ).body.filter((m) => m.messageContent.payload?.text === text);
        return found.length;
      },
      (n) => n > 0,
      { what: `"${text}" at the simulated CXone`, timeoutMs: 20_000 },
    );
    return found;
  };
  const requests = async (operation: string, since = 0): Promise<SimRequest[]> =>
    (await control.get<SimRequest[]>(`/sim/requests?operation=${operation}&since=${since}&limit=100000`)).body;
  const lastSeq = async (): Promise<number> => {
    const all = (await control.get<SimRequest[]>('/sim/requests?limit=1000000')).body;
    return all.at(-1)?.seq ?? 0;
  };
  const messageEvent = (text: string) => (e: SseEvent) => e.event === 'message' && (e.data as Message).text === text;
  const cxoneToken = async (): Promise<string> => {
    const issued = await a.post<{ access_token: string }>('/integration/box/1.0/token', {
      grant_type: 'client_credentials',
      client_id: MIDDLEWARE_CLIENT_ID,
      client_secret: MIDDLEWARE_CLIENT_SECRET,
    });
    expect(issued.status).toBe(200);
    return issued.body.access_token;
  };
  const outboundBody = (threadExternalId: string, text: string, recipient?: string): Record<string, unknown> => ({
    brand: { id: 1 },
    thread: { idOnExternalPlatform: threadExternalId },
    messageContent: { type: 'TEXT', payload: { text } },
    endUserRecipients: recipient ? [{ idOnExternalPlatform: recipient }] : [],
    authorUser: { firstName: 'Ana', surname: 'Lopez' },
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    const portA = await freePort();
    simPort = await freePort();
    sim = spawnNode(compiled('src/simulator/main.js'), [], {
      SIMULATOR_HOST: '127.0.0.1',
      SIMULATOR_PORT: String(simPort),
      SIMULATOR_MIDDLEWARE_URL: `http://127.0.0.1:${portA}/integration/box`,
      LOG_LEVEL: 'info',
    });
    await sim.waitFor(/listening on (http:\/\/[^"\s]+)/);
    control = new HttpClient(`http://127.0.0.1:${simPort}`);
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'info',
      SIMULATOR_URL: `http://127.0.0.1:${simPort}`,
      SIMULATOR_EMBEDDED: 'false',
      PUBLIC_URL: `http://127.0.0.1:${portA}`,
      BYOC_STATUS_POLL_MS: '5000',
      DISPATCH_RETRY_BASE_MS: '200',
    };
    const startedA = await spawnApp({ ...env, APP_ROLE: 'all', PORT: String(portA) });
    apiA = startedA.proc;
    a = new HttpClient(startedA.url);
    const startedB = await spawnApp({ ...env, APP_ROLE: 'api' });
    apiB = startedB.proc;
    b = new HttpClient(startedB.url);
    const created = spawnNode(
      compiled('src/cli/threadline.js'),
      ['api-key', 'create', '--name', 'byoc-e2e', '--scopes', 'admin'],
      env,
    );
    await created.exited;
    admin = new HttpClient(startedA.url, {
      authorization: `Bearer ${(JSON.parse(created.output()) as { key: string }).key}`,
    });
    const demo = await b.get<{ channelId: string }>('/widget/v1/demo-channel');
    expect(demo.status).toBe(200);
    channelId = demo.body.channelId;
  }, 90_000);

  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });

  afterAll(async () => {
    for (const p of [apiA, apiB, sim].filter((p): p is RunningProcess => p !== undefined)) {
      p.kill('SIGKILL');
      await p.exited;
    }
    await db?.drop();
    const redis = testRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  describe('the token endpoint and the callbacks it guards', () => {
    it('exchanges client credentials (JSON, form, Basic) and refuses bad ones with OAuth errors', async () => {
      const json = await a.post<{ access_token: string; token_type: string; expires_in: number }>(
        '/integration/box/1.0/token',
        { grant_type: 'client_credentials', client_id: MIDDLEWARE_CLIENT_ID, client_secret: MIDDLEWARE_CLIENT_SECRET },
      );
      expect(json.status).toBe(200);
      expect(json.body).toEqual({
        access_token: expect.any(String) as unknown,
        token_type: 'Bearer',
        expires_in: expect.any(Number) as unknown,
      });
      expect(json.headers.get('cache-control')).toBe('no-store');

      const form = await a.post<{ access_token: string }>(
        '/integration/box/1.0/token',
        `grant_type=client_credentials&client_id=${MIDDLEWARE_CLIENT_ID}&client_secret=${MIDDLEWARE_CLIENT_SECRET}`,
        { 'content-type': 'application/x-www-form-urlencoded' },
      );
      expect(form.status).toBe(200);
      const basic = await a.post<{ access_token: string }>(
        '/integration/box/1.0/token',
        'grant_type=client_credentials',
        {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${MIDDLEWARE_CLIENT_ID}:${MIDDLEWARE_CLIENT_SECRET}`).toString('base64')}`,
        },
      );
      expect(basic.status).toBe(200);

      const refused = [
        await a.post('/integration/box/1.0/token', {
          grant_type: 'client_credentials',
          client_id: MIDDLEWARE_CLIENT_ID,
          client_secret: 'wrong',
        }),
        await a.post('/integration/box/1.0/token', {
          grant_type: 'client_credentials',
          client_id: 'nobody',
          client_secret: MIDDLEWARE_CLIENT_SECRET,
        }),
        await a.post('/integration/box/1.0/token', { grant_type: 'password', client_id: 'x', client_secret: 'y' }),
        await a.post('/integration/box/1.0/token', '{"grant_type":', { 'content-type': 'application/json' }),
      ].map((r) => [r.status, (r.body as { error?: string }).error]);
      expect(refused).toEqual([
        [401, 'invalid_client'],
        [401, 'invalid_client'],
        [400, 'unsupported_grant_type'],
        [400, expect.any(String)],
      ]);
    });

    it('answers 401 JSON to a missing, unknown or revoked token and changes nothing', async () => {
      const ana = await customer();
      const externalThread = await externalThreadOf(ana.http, ana.thread.id);
      const body = outboundBody(externalThread, 'never shown');
      const path = `/integration/box/2.0/channel/${CXONE_CHANNEL}/outbound`;
      const answers = [
        await a.post<ErrorBody>(path, body),
        await a.post<ErrorBody>(path, body, { authorization: 'Bearer tlb_unknown' }),
        await a.post<ErrorBody>(path, body, { authorization: 'Basic Zm9vOmJhcg==' }),
      ];
      expect(answers.map((r) => [r.status, r.headers.get('content-type')?.split(';')[0]])).toEqual([
        [401, 'application/json'],
        [401, 'application/json'],
        [401, 'application/json'],
      ]);

      // a revoked client's token stops working at once
      const creds = await admin.post<{ id: string; clientId: string; clientSecret: string }>(
        `/api/v1/channels/${channelId}/callback-clients`,
        { name: 'revoked soon' },
      );
      expect(creds.status).toBe(201);
      const token = await a.post<{ access_token: string }>('/integration/box/1.0/token', {
        grant_type: 'client_credentials',
        client_id: creds.body.clientId,
        client_secret: creds.body.clientSecret,
      });
      expect(token.status).toBe(200);
      expect((await admin.delete(`/api/v1/callback-clients/${creds.body.id}`)).status).toBe(204);
      const revoked = await a.post(path, body, { authorization: `Bearer ${token.body.access_token}` });
      expect(revoked.status).toBe(401);

      const history = await ana.http.get<{ messages: Message[] }>('/widget/v1/conversation');
      expect(history.body.messages.map((m) => m.text)).toEqual([]);
    });

    it('lets CXone fetch a new token after a 401 and repeat the call (the reply arrives once)', async () => {
      const ana = await customer();
      await post(ana.http, 'token dance');
      const [relayed] = await atCxone('token dance');
      const reply = (text: string) =>
        control.post<AgentCallResult>('/sim/agent/reply', {
          channelId: CXONE_CHANNEL,
          threadIdOnExternalPlatform: relayed.threadIdOnExternalPlatform,
          text,
        });
      expect((await reply('with the first token')).body.status).toBe(200); // the simulator holds a token now
      // every token Threadline issued stops working (as if they expired)
      const redis = testRedis();
      const tokenKeys = await redis.keys(`${prefix}:{byoc}:token:*`);
      expect(tokenKeys.length).toBeGreaterThan(0);
      await redis.del(...tokenKeys);
      redis.disconnect();
      const since = await lastSeq();

      expect((await reply('after a new token')).body.status).toBe(200);
      const calls = (await control.get<SimRequest[]>(`/sim/requests?since=${since}&direction=to-middleware`)).body;
      expect(calls.map((c) => [c.operation, c.status])).toEqual([
        ['middlewareOutbound', 401],
        ['middlewareToken', 200],
        ['middlewareOutbound', 200],
      ]);
      const history = await ana.http.get<{ messages: Message[] }>('/widget/v1/conversation');
      expect(history.body.messages.map((m) => m.text)).toEqual([
        'token dance',
        'with the first token',
        'after a new token',
      ]);
    });

    it('rotates a secret (the old one works for the grace period) and lists clients without secrets', async () => {
      const creds = await admin.post<{ id: string; clientId: string; clientSecret: string }>(
        `/api/v1/channels/${channelId}/callback-clients`,
        { name: 'rotated' },
      );
      const rotated = await admin.post<{ clientSecret: string }>(`/api/v1/callback-clients/${creds.body.id}/rotate`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.clientSecret).not.toBe(creds.body.clientSecret);
      const exchange = (secret: string) =>
        a.post('/integration/box/1.0/token', {
          grant_type: 'client_credentials',
          client_id: creds.body.clientId,
          client_secret: secret,
        });
      expect((await exchange(rotated.body.clientSecret)).status).toBe(200);
      expect((await exchange(creds.body.clientSecret)).status).toBe(200); // within BYOC_SECRET_GRACE_SECONDS
      const listed = await admin.get<unknown[]>(`/api/v1/channels/${channelId}/callback-clients`);
      expect(listed.status).toBe(200);
      expect(listed.text).not.toContain(rotated.body.clientSecret);
      expect(listed.text).not.toContain(creds.body.clientSecret);
    });
  });

  describe('customer → CXone', () => {
    it('relays a widget message to CXone once, with stable ids, through a burst of 5xx and 429 answers', async () => {
      const ana = await customer();
      const live = await ana.stream();
      await control.post('/sim/faults', { kind: '5xx', count: 2, operation: 'createMessage', status: 503 });
      await control.post('/sim/faults', { kind: '429', count: 2, operation: 'createMessage', retryAfterSeconds: 1 });
      const since = await lastSeq();

      const first = await post(ana.http, 'my flight was cancelled', 'burst-1');
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ author: 'customer', state: 'sending', clientMessageId: 'burst-1' });
      const again = await post(ana.http, 'my flight was cancelled', 'burst-1'); // the page retried the POST
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(first.body.id);

      await live.next(
        'delivered',
        (e) => e.event === 'message-state' && (e.data as Message).state === 'delivered',
        20_000,
      );
      const stored = await atCxone('my flight was cancelled');
      expect(stored).toHaveLength(1);
      const attempts = (await requests('createMessage', since)).map((r) => [r.status, r.body?.idOnExternalPlatform]);
      const id = stored[0].idOnExternalPlatform;
      expect(id).toMatch(/^wm-[0-9a-f-]{36}-burst-1$/);
      expect(attempts).toEqual([
        [503, id],
        [503, id],
        [429, id],
        [429, id],
        [200, id],
      ]);
      const history = await ana.http.get<{ messages: Message[] }>('/widget/v1/conversation');
      expect(history.body.messages.map((m) => [m.text, m.state])).toEqual([['my flight was cancelled', 'delivered']]);
    }, 40_000);

    it("shows the customer's typing to the agent", async () => {
      const ana = await customer();
      await post(ana.http, 'typing soon');
      await atCxone('typing soon');
      const since = await lastSeq();
      expect((await ana.http.post('/widget/v1/typing', { typing: true })).status).toBe(204);
      await eventually(
        () => requests('senderAction', since),
        (r) => r.length === 1,
        { what: 'a sender action at CXone' },
      );
    });
  });

  describe('CXone → customer', () => {
    it('delivers an agent reply, received by api A, live to the widget on api B, and typing too', async () => {
      const ana = await customer();
      await post(ana.http, 'hello agent');
      const [relayed] = await atCxone('hello agent');
      const live = await ana.stream();

      const typing = await control.post<AgentCallResult>('/sim/agent/typing', {
        channelId: CXONE_CHANNEL,
        threadIdOnExternalPlatform: relayed.threadIdOnExternalPlatform,
        typing: true,
        agent: { firstName: 'Ana', surname: 'Lopez' },
      });
      expect(typing.body.status).toBe(204);
      await live.next('typing on', (e) => e.event === 'typing' && (e.data as { typing: boolean }).typing);

      const reply = await control.post<AgentCallResult>('/sim/agent/reply', {
        channelId: CXONE_CHANNEL,
        threadIdOnExternalPlatform: relayed.threadIdOnExternalPlatform,
        text: 'Let me rebook you.',
        agent: { firstName: 'Ana', surname: 'Lopez' },
      });
      expect(reply.body.status).toBe(200);
      expect(reply.body.body).toEqual({
        message: {
          idOnExternalPlatform: expect.stringMatching(/^ta-/) as unknown,
          createdAtWithMilliseconds: expect.any(String) as unknown,
          url: expect.stringContaining('/api/v1/threads/') as unknown,
        },
        thread: { idOnExternalPlatform: relayed.threadIdOnExternalPlatform },
      });
      const event = await live.next('the agent reply', messageEvent('Let me rebook you.'));
      expect(event.data).toMatchObject({ author: 'agent', agentName: 'Ana Lopez' });
      // the callback reached A, the widget is connected to B
      const callbackLog = `"url":"/integration/box/2.0/channel/${CXONE_CHANNEL}/outbound"`;
      expect(apiA.output()).toContain(callbackLog);
      expect(apiB.output()).not.toContain(callbackLog);
    });

    it('shows a retried callback (same body within the window) once, and replays what a reconnect missed', async () => {
      const ana = await customer();
      await post(ana.http, 'retry me');
      const [relayed] = await atCxone('retry me');
      const live = await ana.stream();
      const token = await cxoneToken();
      const path = `/integration/box/2.0/channel/${CXONE_CHANNEL}/outbound`;
      const body = outboundBody(relayed.threadIdOnExternalPlatform, 'only once please');
      const first = await a.post<{ message: { idOnExternalPlatform: string } }>(path, body, {
        authorization: `Bearer ${token}`,
      });
      const second = await a.post<{ message: { idOnExternalPlatform: string } }>(path, body, {
        authorization: `Bearer ${token}`,
      });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body.message.idOnExternalPlatform).toBe(first.body.message.idOnExternalPlatform);
      const shown = await live.next('the reply', messageEvent('only once please'));
      live.close();

      // offline: two more replies, then the widget reconnects with Last-Event-ID
      for (const text of ['while away 1', 'while away 2']) {
        const r = await a.post(path, outboundBody(relayed.threadIdOnExternalPlatform, text), {
          authorization: `Bearer ${token}`,
        });
        expect(r.status).toBe(200);
      }
      const back = await SseStream.open(`${b.baseUrl}/widget/v1/events`, {
        authorization: `Bearer ${ana.session.token}`,
        'last-event-id': shown.id!,
      });
      streams.push(back);
      await back.next('the second missed reply', messageEvent('while away 2'));
      const replayed = back.events.filter((e) => e.event === 'message').map((e) => (e.data as Message).text);
      expect(replayed).toEqual(['while away 1', 'while away 2']);
      const history = await ana.http.get<{ messages: Message[] }>('/widget/v1/conversation');
      expect(history.body.messages.filter((m) => m.text === 'only once please')).toHaveLength(1);
    });

    it('takes the legacy reply path (1.0/posts/{postId}/messages) too', async () => {
      const ana = await customer();
      await post(ana.http, 'legacy please');
      const [relayed] = await atCxone('legacy please');
      const live = await ana.stream();
      const token = await cxoneToken();
      const legacy = await a.post<{ idOnExternalPlatform: string }>(
        `/integration/box/1.0/posts/${relayed.threadIdOnExternalPlatform}/messages`,
        { messageContent: { type: 'TEXT', payload: { text: 'from the legacy path' } }, author: { firstName: 'Bo' } },
        { authorization: `Bearer ${token}` },
      );
      expect(legacy.status).toBe(200);
      expect(legacy.body.idOnExternalPlatform).toMatch(/^ta-/);
      await live.next('the legacy reply', messageEvent('from the legacy path'));
    });

    it('delivers a proactive alert sent on the BYOC chat channel to the widget (CXone hands it to the middleware)', async () => {
      const ana = await customer();
      const live = await ana.stream();
      const sent = await admin.post<{ id: string }>(
        '/api/v1/messages',
        {
          channelId,
          to: ana.session.customer.id,
          content: { type: 'TEXT', text: 'Gate change: your flight BA123 now leaves from B12.' },
        },
        { 'idempotency-key': `alert-${ana.session.customer.id}` },
      );
      expect(sent.status).toBeLessThan(300);
      const shown = await live.next(
        'the proactive alert',
        messageEvent('Gate change: your flight BA123 now leaves from B12.'),
        20_000,
      );
      expect(shown.data).toMatchObject({ author: 'system' }); // the business's alert, not an agent's words
      const history = await ana.http.get<{ messages: Message[] }>('/widget/v1/conversation');
      expect(history.body.messages.map((m) => m.text)).toContain('Gate change: your flight BA123 now leaves from B12.');
    }, 30_000);

    it('lets an agent start a conversation with a known customer, and tells the agent why an unknown one cannot be reached', async () => {
      const ana = await customer();
      await post(ana.http, 'earlier chat');
      await atCxone('earlier chat');
      const live = await ana.stream();

      const started = await control.post<AgentCallResult>('/sim/agent/outbound', {
        channelId: CXONE_CHANNEL,
        to: ana.session.customer.id,
        text: 'Your new flight is BA125.',
        agent: { firstName: 'Ana', surname: 'Lopez' },
      });
      expect(started.body.validation?.status).toBe(200);
      expect(started.body.status).toBe(200);
      const shown = await live.next('the agent-initiated message', messageEvent('Your new flight is BA125.'));
      const conversation = await ana.http.get<{ thread: Thread; messages: Message[] }>('/widget/v1/conversation');
      expect(conversation.body.thread.id).toBe((shown.data as Message).threadId);
      expect(conversation.body.messages.map((m) => m.text)).toEqual(['Your new flight is BA125.']);

      const refused = await control.post<AgentCallResult>('/sim/agent/outbound', {
        channelId: CXONE_CHANNEL,
        to: 'v-00000000-0000-4000-8000-000000000000',
        text: 'nobody reads this',
      });
      expect(refused.body.sent).toBe(false);
      expect(refused.body.validation).toEqual({
        status: 400,
        body: expect.objectContaining({
          errorCode: 'outboundValidationFailed',
          displayErrorMessage: expect.stringMatching(/v-00000000-0000-4000-8000-000000000000/) as unknown,
          errors: [
            {
              path: ['endUserRecipients', 0, 'idOnExternalPlatform'],
              message: expect.stringContaining('v-00000000-0000-4000-8000-000000000000') as unknown,
            },
          ],
        }) as unknown,
      });
    });
  });

  describe('endings', () => {
    it('locks a conversation the agent closed: the widget is told, posts get 409, a new conversation works', async () => {
      const ana = await customer();
      await post(ana.http, 'please close me');
      const [relayed] = await atCxone('please close me');
      const live = await ana.stream();
      expect((await control.post(`/sim/contacts/${relayed.contactNumber}/status`, { status: 'closed' })).status).toBe(
        200,
      );

      const refused = await post(ana.http, 'are you there?');
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        statusCode: 409,
        message: expect.stringMatching(/ended by the agent/) as unknown,
      });
      await live.next(
        'the conversation ended by the agent',
        (e) => e.event === 'conversation' && (e.data as { thread: Thread }).thread.endedBy === 'agent',
      );
      expect((await atCxone('please close me')).length).toBe(1);
      expect(
        (await control.get<SimMessage[]>('/sim/messages?direction=inbound')).body.map(
          (m) => m.messageContent.payload?.text,
        ),
      ).not.toContain('are you there?');

      const fresh = await ana.http.post<Thread>('/widget/v1/conversation');
      expect(fresh.status).toBe(201);
      expect(fresh.body).toMatchObject({ status: 'open', canWrite: true });
      expect(fresh.body.id).not.toBe(ana.thread.id);
      expect((await post(ana.http, 'a new question')).status).toBe(202);
      const [next] = await atCxone('a new question');
      expect(next.threadIdOnExternalPlatform).not.toBe(relayed.threadIdOnExternalPlatform);
    });

    it('notices an agent end without a customer post (status polling) and tells the widget', async () => {
      const ana = await customer();
      await post(ana.http, 'poll me');
      const [relayed] = await atCxone('poll me');
      const live = await ana.stream();
      await control.post(`/sim/contacts/${relayed.contactNumber}/status`, { status: 'resolved' });
      const ended = await live.next(
        'the agent end, polled',
        (e) => e.event === 'conversation' && (e.data as { thread: Thread }).thread.status === 'ended',
        15_000,
      );
      expect((ended.data as { thread: Thread }).thread).toMatchObject({ endedBy: 'agent', canWrite: false });
    }, 30_000);

    it('prompts an idle customer, then ends the conversation and closes the CXone contact', async () => {
      expect(
        (await admin.patch(`/api/v1/channels/${channelId}`, { idlePromptSeconds: 1, idleEndSeconds: 1 })).status,
      ).toBe(200);
      try {
        const ana = await customer();
        await post(ana.http, 'then silence');
        const [relayed] = await atCxone('then silence');
        const live = await ana.stream();
        await live.next(
          'the idle prompt',
          (e) => e.event === 'conversation' && (e.data as { thread: Thread }).thread.status === 'idle-prompted',
        );
        await live.next(
          'the idle end',
          (e) => e.event === 'conversation' && (e.data as { thread: Thread }).thread.endedBy === 'idle',
        );
        await eventually(
          async () =>
            (
              await control.get<Array<{ status: string }>>(
                `/sim/contacts?threadIdOnExternalPlatform=${relayed.threadIdOnExternalPlatform}`,
              )
            ).body.map((c) => c.status),
          (statuses) => statuses.length === 1 && statuses[0] === 'closed',
          { what: 'the CXone contact closed' },
        );
        expect((await post(ana.http, 'too late')).status).toBe(409);
      } finally {
        await admin.patch(`/api/v1/channels/${channelId}`, { idlePromptSeconds: 120, idleEndSeconds: 20 });
      }
    }, 30_000);
  });

  describe('isolation and bad input', () => {
    it("never lets a session token reach another customer's conversation or another channel", async () => {
      const ana = await customer('Ana');
      const bo = await customer('Bo');
      await post(ana.http, 'ana private');
      await post(bo.http, 'bo private');
      const [boRelayed] = await atCxone('bo private');
      const anaLive = await ana.stream();
      const boLive = await bo.stream();
      await control.post('/sim/agent/reply', {
        channelId: CXONE_CHANNEL,
        threadIdOnExternalPlatform: boRelayed.threadIdOnExternalPlatform,
        text: 'for Bo only',
      });
      await boLive.next('Bo’s reply', messageEvent('for Bo only'));
      const anaHistory = await ana.http.get<{ messages: Message[] }>('/widget/v1/conversation');
      expect(anaHistory.body.messages.map((m) => m.text)).toEqual(['ana private']);
      expect(anaLive.events.filter((e) => e.event === 'message')).toEqual([]);

      // a token edited to name Bo is refused, as is a widget token on CXone's routes and an admin key on the widget's
      const [head, payload, mac] = ana.session.token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = [
        head,
        Buffer.from(JSON.stringify({ ...claims, u: bo.session.customer.id })).toString('base64url'),
        mac,
      ].join('.');
      const withForged = await b.get('/widget/v1/conversation', { authorization: `Bearer ${forged}` });
      expect(withForged.status).toBe(401);
      const widgetOnCxone = await a.post(
        `/integration/box/2.0/channel/${CXONE_CHANNEL}/outbound`,
        outboundBody(boRelayed.threadIdOnExternalPlatform, 'x'),
        { authorization: `Bearer ${ana.session.token}` },
      );
      expect(widgetOnCxone.status).toBe(401);
      const cxoneOnWidget = await b.get('/widget/v1/conversation', { authorization: `Bearer ${await cxoneToken()}` });
      expect(cxoneOnWidget.status).toBe(401);
    });

    it('refuses what CXone should never send with a 4xx JSON answer, never a 5xx', async () => {
      const token = await cxoneToken();
      const auth = { authorization: `Bearer ${token}` };
      const ana = await customer();
      await post(ana.http, 'bad input');
      const [relayed] = await atCxone('bad input');
      const thread = relayed.threadIdOnExternalPlatform;
      const path = `/integration/box/2.0/channel/${CXONE_CHANNEL}/outbound`;
      const cases: Array<[string, Promise<HttpResponse>]> = [
        [
          'unknown channel',
          a.post('/integration/box/2.0/channel/chat_nobody/outbound', outboundBody(thread, 'x'), auth),
        ],
        ['bad JSON', a.post(path, '{"thread":', { ...auth, 'content-type': 'application/json' })],
        ['wrong content type', a.post(path, 'thread=x', { ...auth, 'content-type': 'text/plain' })],
        ['no thread', a.post(path, { messageContent: { type: 'TEXT', payload: { text: 'x' } } }, auth)],
        ['empty text', a.post(path, outboundBody(thread, ''), auth)],
        ['oversized text', a.post(path, outboundBody(thread, 'x'.repeat(100_000)), auth)],
        [
          'unknown content type',
          a.post(path, { ...outboundBody(thread, 'x'), messageContent: { type: 'HOLOGRAM', payload: {} } }, auth),
        ],
        ['null body', a.post(path, 'null', { ...auth, 'content-type': 'application/json' })],
        ['NUL in text', a.post(path, outboundBody(thread, 'a\u0000b'), auth)],
        [
          'bad sender action',
          a.post(
            `/integration/box/1.0/channel/${CXONE_CHANNEL}/thread/${thread}/sender-action`,
            { action: 'dance' },
            auth,
          ),
        ],
        [
          'empty validation',
          a.post(
            `/integration/box/1.0/channel/${CXONE_CHANNEL}/recipients/validation`,
            { endUserRecipients: [] },
            auth,
          ),
        ],
        [
          '10 MB body',
          a.post(path, JSON.stringify({ blob: 'x'.repeat(10 * 1024 * 1024) }), {
            ...auth,
            'content-type': 'application/json',
          }),
        ],
      ];
      const answers = await Promise.all(
        cases.map(async ([name, call]) => {
          const r = await call;
          return [name, r.status, r.headers.get('content-type')?.split(';')[0]] as const;
        }),
      );
      const wrong = answers.filter(([, status, type]) => status < 400 || status >= 500 || type !== 'application/json');
      expect(wrong).toEqual([]);
      expect(answers.find(([name]) => name === 'unknown channel')?.[1]).toBe(404);
      const history = await ana.http.get<{ messages: Message[] }>('/widget/v1/conversation');
      expect(history.body.messages.map((m) => m.text)).toEqual(['bad input']);
    });
  });

  describe('action URLs (Points of Contact: add, reconnect, remove)', () => {
    const backUrl = (): string => `http://127.0.0.1:${simPort}/admin/back`;
    const action = async (name: string, token: string, brandId: number, userId: number): Promise<HttpResponse> => {
      const query = new URLSearchParams({
        userId: String(userId),
        brandId: String(brandId),
        token,
        apiHost: `127.0.0.1:${simPort}`,
        backUrl: backUrl(),
      });
      return a.request('GET', `/integration/box/1.0/actions/${name}?${query.toString()}`, undefined, {}, undefined);
    };
    const oneTimeToken = async (brandId: number): Promise<{ token: string; brandId: number; userId: number }> =>
      (await control.post<{ token: string; brandId: number; userId: number }>('/sim/one-time-tokens', { brandId }))
        .body;
    const simChannels = async (): Promise<Array<{ id: string; channelIntegrationId: string }>> =>
      (await control.get<Array<{ id: string; channelIntegrationId: string }>>('/sim/channels')).body;

    it('adds a channel with a good token and refuses a reused or bad one without changing anything', async () => {
      const issued = await oneTimeToken(4242);
      const before = (await simChannels()).length;
      const added = await fetch(
        `${a.baseUrl}/integration/box/1.0/actions/add?${new URLSearchParams({
          userId: String(issued.userId),
          brandId: '4242',
          token: issued.token,
          apiHost: `127.0.0.1:${simPort}`,
          backUrl: backUrl(),
        }).toString()}`,
        { redirect: 'manual' },
      );
      expect(added.status).toBe(302);
      expect(added.headers.get('location')).toBe(backUrl());
      const afterAdd = await simChannels();
      expect(afterAdd).toHaveLength(before + 1);
      const created = afterAdd.find(
        (c) =>
          !['chat_threadline_dev'].includes(c.id) &&
          c.channelIntegrationId === 'threadline-byoc-dev' &&
          c.id.startsWith('chat_') &&
          c.id !== CXONE_CHANNEL,
      );
      expect(created).toBeDefined();
      const registered = await admin.get<{ items: Array<{ cxoneChannelId: string; active?: boolean }> }>(
        '/api/v1/channels',
      );
      expect(registered.text).toContain(created!.id);

      const reused = await action('add', issued.token, 4242, issued.userId);
      expect(reused.status).toBe(403);
      expect((reused.body as ErrorBody).message).toMatch(/nothing was changed/);
      const bad = await action('add', 'not-a-token', 4242, issued.userId);
      expect(bad.status).toBe(403);
      expect(await simChannels()).toHaveLength(before + 1);

      const removeToken = await oneTimeToken(4242);
      const badRemove = await action('remove', 'not-a-token', 4242, removeToken.userId);
      expect(badRemove.status).toBe(403);
      expect(await simChannels()).toHaveLength(before + 1);
      const removed = await fetch(
        `${a.baseUrl}/integration/box/1.0/actions/remove?${new URLSearchParams({
          userId: String(removeToken.userId),
          brandId: '4242',
          token: removeToken.token,
          apiHost: `127.0.0.1:${simPort}`,
          backUrl: backUrl(),
        }).toString()}`,
        { redirect: 'manual' },
      );
      expect(removed.status).toBe(302);
      expect((await simChannels()).map((c) => c.id)).not.toContain(created!.id);
    });

    it('refuses a backUrl outside CXone (no open redirect) and an unknown action', async () => {
      const issued = await oneTimeToken(4343);
      const query = new URLSearchParams({
        userId: String(issued.userId),
        brandId: '4343',
        token: issued.token,
        backUrl: 'https://evil.example.com/',
      });
      const refused = await a.get<ErrorBody>(`/integration/box/1.0/actions/add?${query.toString()}`);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/backUrl/);
      expect((await a.get(`/integration/box/1.0/actions/explode?${query.toString()}`)).status).toBe(400);
    });
  });

  /** The CXone thread id of a customer's conversation, from the admin API. */
  async function externalThreadOf(_http: HttpClient, threadId: string): Promise<string> {
    const view = await admin.get<{ idOnExternalPlatform: string }>(`/api/v1/threads/${threadId}`);
    expect(view.status).toBe(200);
    return view.body.idOnExternalPlatform;
  }
});
