import type { DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import {
  CHAT,
  FakeMiddleware,
  newMessage,
  SimulatorHarness,
  SMS,
  startSimulator,
  textOutbound,
} from './simulator-harness';

interface AgentResult {
  status: number | null;
  body: Record<string, unknown> | null;
  error?: string;
  stage?: string;
  sent?: boolean;
  validation?: { status: number | null; body: unknown; error?: string };
  messageId: string;
  contactNumber: string;
  threadIdOnExternalPlatform: string;
  idOnExternalPlatform: string | null;
  deliveredVia: string;
}

const OUTBOUND = `/2.0/channel/${CHAT}/outbound`;
const TOKEN = '/1.0/token';
const VALIDATION = `/1.0/channel/${CHAT}/recipients/validation`;
const legacyReply = (postId: string) => `/1.0/posts/${postId}/messages`;

// Jest's asymmetric matchers are typed `any`; typed as unknown they can sit in object literals.
const anyNumber: unknown = expect.any(Number);
const anyString: unknown = expect.any(String);
const containing = (text: string): unknown => expect.stringContaining(text);

describe('CXone simulator: the agent side, calling a BYOC middleware', () => {
  let middleware: FakeMiddleware;
  let sim: SimulatorHarness;
  let dfo: HttpClient;

  beforeAll(async () => {
    middleware = new FakeMiddleware();
    const url = await middleware.start();
    sim = await startSimulator({ SIMULATOR_MIDDLEWARE_URL: url });
  });
  afterAll(async () => {
    await sim.close();
    await middleware.stop();
  });
  beforeEach(async () => {
    await sim.reset();
    middleware.clear();
    middleware.revokeTokens();
    dfo = await sim.dfo();
  });

  /** A widget visitor writes through the middleware (create message), opening thread `threadId`. */
  const visitorWrites = (threadId: string) =>
    dfo.post<DfoMessageResponse>(
      `/dfo/3.0/channels/${CHAT}/messages`,
      newMessage({
        thread: { idOnExternalPlatform: threadId },
        authorEndUserIdentity: { idOnExternalPlatform: 'visitor-7', firstName: 'Ana', lastName: 'Silva' },
      }),
    );

  it('delivers an agent reply to /2.0/channel/{id}/outbound with a fresh token, as CXone does', async () => {
    const created = await visitorWrites('chat-1');

    const res = await sim.control.post<AgentResult>('/sim/agent/reply', {
      channelId: CHAT,
      threadIdOnExternalPlatform: 'chat-1',
      text: 'Hi Ana, how can I help?',
      agent: { firstName: 'Sam', surname: 'Lee' },
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, deliveredVia: 'middleware' });
    expect(middleware.calls.map((c) => c.url)).toEqual([`/integration/box${TOKEN}`, `/integration/box${OUTBOUND}`]);
    expect(middleware.calls[0].body).toEqual({
      grant_type: 'client_credentials',
      client_id: 'cxone-simulator',
      client_secret: 'cxone-simulator-secret',
    });
    const call = middleware.callsTo(OUTBOUND)[0];
    expect(call.authorization).toMatch(/^Bearer .+/);
    expect(call.body).toEqual({
      brand: { id: anyNumber, friendlyName: anyString },
      thread: { idOnExternalPlatform: 'chat-1' },
      messageContent: { type: 'TEXT', payload: { text: 'Hi Ana, how can I help?' } },
      endUserRecipients: [{ idOnExternalPlatform: 'visitor-7', name: 'Ana Silva', isPrimary: true }],
      authorUser: { id: anyNumber, firstName: 'Sam', surname: 'Lee' },
    });

    const messages = await sim.control.get<Array<Record<string, unknown>>>(
      '/sim/messages?threadIdOnExternalPlatform=chat-1&direction=outbound',
    );
    expect(messages.body).toHaveLength(1);
    expect(messages.body[0].idOnExternalPlatform).toBe(
      (res.body.body as { message: { idOnExternalPlatform: string } }).message.idOnExternalPlatform,
    );
    expect(res.body.contactNumber).toBe(created.body.consumerContact!.id);
    const contact = await dfo.get<{ status: string }>(`/dfo/3.0/contacts/${res.body.contactNumber}`);
    expect(contact.body.status).toBe('open');
    const log = await sim.control.get<Array<{ operation: string; status: number; body: Record<string, unknown> }>>(
      '/sim/requests?direction=to-middleware',
    );
    expect(log.body.map((e) => [e.operation, e.status])).toEqual([
      ['middlewareToken', 200],
      ['middlewareOutbound', 200],
    ]);
    expect(log.body[0].body.client_secret).toBe('[redacted]');
  });

  it('reuses the cached token for later calls', async () => {
    await visitorWrites('chat-2');
    for (const text of ['one', 'two', 'three']) {
      await sim.control.post('/sim/agent/reply', { channelId: CHAT, threadIdOnExternalPlatform: 'chat-2', text });
    }

    expect(middleware.callsTo(TOKEN)).toHaveLength(1);
    expect(middleware.callsTo(OUTBOUND)).toHaveLength(3);
  });

  it('on 401 fetches a new token and retries once', async () => {
    await visitorWrites('chat-3');
    await sim.control.post('/sim/agent/reply', { channelId: CHAT, threadIdOnExternalPlatform: 'chat-3', text: 'a' });
    middleware.revokeTokens(); // e.g. the middleware restarted
    middleware.clear();

    const res = await sim.control.post<AgentResult>('/sim/agent/reply', {
      channelId: CHAT,
      threadIdOnExternalPlatform: 'chat-3',
      text: 'b',
    });

    expect(res.body.status).toBe(200);
    expect(middleware.calls.map((c) => c.url.replace('/integration/box', ''))).toEqual([OUTBOUND, TOKEN, OUTBOUND]);
  });

  it('retries only once: a second 401 is the answer', async () => {
    await visitorWrites('chat-4');
    middleware.alwaysUnauthorized = true;

    const res = await sim.control.post<AgentResult>('/sim/agent/reply', {
      channelId: CHAT,
      threadIdOnExternalPlatform: 'chat-4',
      text: 'hello?',
    });

    expect(res.status).toBe(200);
    expect(res.body.status).toBe(401);
    expect(middleware.calls.map((c) => c.url.replace('/integration/box', ''))).toEqual([
      TOKEN,
      OUTBOUND,
      TOKEN,
      OUTBOUND,
    ]);
    const messages = await sim.control.get<Array<{ deliveryStatus: string }>>(
      '/sim/messages?threadIdOnExternalPlatform=chat-4&direction=outbound',
    );
    expect(messages.body[0].deliveryStatus).toBe('failed');
  });

  it('sends typing on and off to the sender-action endpoint', async () => {
    await visitorWrites('chat-5');

    const on = await sim.control.post<AgentResult>('/sim/agent/typing', {
      channelId: CHAT,
      threadIdOnExternalPlatform: 'chat-5',
      typing: true,
    });
    const off = await sim.control.post<AgentResult>('/sim/agent/typing', {
      channelId: CHAT,
      threadIdOnExternalPlatform: 'chat-5',
      typing: false,
    });

    expect([on.body.status, off.body.status]).toEqual([204, 204]);
    const calls = middleware.callsTo('/sender-action');
    expect(calls[0].url).toBe(`/integration/box/1.0/channel/${CHAT}/thread/chat-5/sender-action`);
    expect(calls.map((c) => c.body.senderAction)).toEqual([{ action: 'isTypingOn' }, { action: 'isTypingOff' }]);
    expect(calls[0].body).toMatchObject({ brand: { id: anyNumber }, authorUser: { firstName: 'Alex' } });
  });

  it('starts an agent-initiated conversation in a new thread', async () => {
    const res = await sim.control.post<AgentResult>('/sim/agent/outbound', {
      channelId: CHAT,
      to: 'visitor-9',
      text: 'Your order shipped',
    });

    expect(res.body.status).toBe(200);
    const call = middleware.callsTo(OUTBOUND)[0];
    expect(call.body).toMatchObject({
      thread: { idOnExternalPlatform: res.body.threadIdOnExternalPlatform },
      endUserRecipients: [{ idOnExternalPlatform: 'visitor-9', isPrimary: true }],
    });
    const threads = await sim.control.get<Array<{ idOnExternalPlatform: string }>>('/sim/threads');
    expect(threads.body.map((t) => t.idOnExternalPlatform)).toEqual([res.body.threadIdOnExternalPlatform]);
  });

  it('also delivers an outbound accepted on a BYOC channel through the DFO API, in the background', async () => {
    const res = await dfo.post<DfoMessageResponse>(
      `/dfo/3.0/channels/${CHAT}/outbound`,
      textOutbound('visitor-10', 'Proactive hello', { thread: { idOnExternalPlatform: 'chat-proactive' } }),
    );
    expect(res.status).toBe(200);

    await middleware.waitFor((calls) => calls.some((c) => c.url.endsWith(OUTBOUND)));

    const call = middleware.callsTo(OUTBOUND)[0];
    expect(call.body).toMatchObject({
      thread: { idOnExternalPlatform: 'chat-proactive' },
      messageContent: { type: 'TEXT', payload: { text: 'Proactive hello' } },
      endUserRecipients: [{ idOnExternalPlatform: 'visitor-10', isPrimary: true }],
    });
  });

  it('does not deliver DFO outbound to the middleware when deliverByocOutbound is off, nor for SMS', async () => {
    await sim.control.request('PATCH', '/sim/config', { deliverByocOutbound: false });

    await dfo.post(`/dfo/3.0/channels/${CHAT}/outbound`, textOutbound('visitor-11', 'quiet'));
    await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15553000001', 'sms'));
    const log = await sim.control.get<unknown[]>('/sim/requests?direction=to-middleware');

    expect(log.body).toEqual([]);
  });

  it('records a failed delivery when the middleware cannot be reached, without failing the DFO answer', async () => {
    await sim.control.request('PATCH', '/sim/config', {
      middlewareUrl: 'http://127.0.0.1:1/integration/box',
      recipientValidation: false, // the validation has its own test: here the outbound itself must fail
    });

    const res = await dfo.post<DfoMessageResponse>(
      `/dfo/3.0/channels/${CHAT}/outbound`,
      textOutbound('visitor-12', 'nobody home'),
    );
    const reply = await sim.control.post<AgentResult>('/sim/agent/outbound', {
      channelId: CHAT,
      to: 'visitor-12',
      text: 'still nobody',
    });

    expect(res.status).toBe(200);
    expect(reply.status).toBe(502);
    expect(reply.body).toMatchObject({ status: null, error: anyString });
    const failures = async () =>
      (await sim.control.get<Array<{ id: string; deliveryStatus: string; deliveryReason: string }>>('/sim/messages'))
        .body;
    expect((await failures()).find((m) => m.id === reply.body.messageId)).toMatchObject({
      deliveryStatus: 'failed',
      deliveryReason: containing('unreachable'),
    });
    // The DFO outbound's delivery runs in the background: wait for it to be recorded.
    await eventually(async () =>
      expect((await failures()).find((m) => m.id === res.body.message!.id)).toMatchObject({
        id: res.body.message!.id,
        deliveryStatus: 'failed',
      }),
    );
  });

  it('lets an agent close a contact, after which the customer opens a new one', async () => {
    const reply = await sim.control.post<DfoMessageResponse>('/sim/customer/reply', {
      channelId: SMS,
      from: '+15553000002',
      text: 'Hello?',
    });
    const contactNumber = reply.body.consumerContact!.id;

    const closed = await sim.control.post<{ status: string }>(`/sim/contacts/${contactNumber}/status`, {
      status: 'closed',
    });
    const again = await sim.control.post<DfoMessageResponse>('/sim/customer/reply', {
      channelId: SMS,
      from: '+15553000002',
      text: 'Anyone?',
    });

    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    expect(again.body.consumerContact!.threadId).toBe(reply.body.consumerContact!.threadId);
    expect(again.body.consumerContact!.id).not.toBe(contactNumber);
  });

  it('records agent replies on native channels without calling the middleware', async () => {
    await sim.control.post('/sim/customer/reply', { channelId: SMS, from: '+15553000003', text: 'HELP' });
    const threads = await sim.control.get<Array<{ idOnExternalPlatform: string }>>('/sim/threads');

    const res = await sim.control.post<AgentResult>('/sim/agent/reply', {
      channelId: SMS,
      threadIdOnExternalPlatform: threads.body[0].idOnExternalPlatform,
      text: 'Calling you now',
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: null, deliveredVia: 'native' });
    expect(res.body.idOnExternalPlatform).toMatch(/^SM[0-9a-f]{32}$/);
    expect(middleware.calls).toEqual([]);
  });

  it('validates control bodies', async () => {
    const res = await sim.control.post<{ message: string; details: Array<{ field: string }> }>('/sim/agent/reply', {
      channelId: CHAT,
      text: 7,
    });
    const unknownThread = await sim.control.post('/sim/agent/reply', {
      channelId: CHAT,
      threadIdOnExternalPlatform: 'nope',
      text: 'hi',
    });

    expect(res.status).toBe(400);
    expect(res.body.details.map((d) => d.field)).toEqual(['threadIdOnExternalPlatform', 'text']);
    expect(unknownThread.status).toBe(404);
  });
  describe('recipient validation before an agent-initiated outbound (cxone-api.md §2.4)', () => {
    const paths = () => middleware.calls.map((c) => c.url.replace('/integration/box', ''));

    it('asks the middleware with the same token, then sends', async () => {
      const res = await sim.control.post<AgentResult>('/sim/agent/outbound', {
        channelId: CHAT,
        to: 'visitor-20',
        text: 'Your order shipped',
      });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 200,
        sent: true,
        validation: { status: 200, body: { status: 'valid' } },
      });
      expect(paths()).toEqual([TOKEN, VALIDATION, OUTBOUND]);
      const [validation] = middleware.callsTo(VALIDATION);
      expect(validation.body).toEqual({ endUserRecipients: [{ idOnExternalPlatform: 'visitor-20' }] });
      expect(validation.authorization).toMatch(/^Bearer .+/);
      expect(validation.authorization).toBe(middleware.callsTo(OUTBOUND)[0].authorization);
      const log = await sim.control.get<Array<{ operation: string; status: number }>>(
        '/sim/requests?direction=to-middleware',
      );
      expect(log.body.map((e) => [e.operation, e.status])).toEqual([
        ['middlewareToken', 200],
        ['middlewareRecipientValidation', 200],
        ['middlewareOutbound', 200],
      ]);
    });

    it('sends nothing when the middleware refuses the recipient, and reports its answer', async () => {
      middleware.invalidRecipients.add('visitor-21');

      const res = await sim.control.post<AgentResult>('/sim/agent/outbound', {
        channelId: CHAT,
        to: 'visitor-21',
        text: 'Hello?',
      });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 400,
        stage: 'validation',
        sent: false,
        validation: {
          status: 400,
          body: {
            errorCode: 'outboundValidationFailed',
            displayErrorMessage: 'visitor-21 has no open widget session',
            errors: [{ path: ['idOnExternalPlatform'], message: 'unknown visitor' }],
          },
        },
      });
      expect(res.body.messageId).toBeUndefined();
      expect(paths()).toEqual([TOKEN, VALIDATION]);
      expect((await sim.control.get<unknown[]>('/sim/messages')).body).toEqual([]);
      expect((await sim.control.get<unknown[]>('/sim/threads')).body).toEqual([]);
    });

    it('fetches a new token after a 401 and asks again once', async () => {
      await sim.control.post('/sim/agent/outbound', { channelId: CHAT, to: 'visitor-22', text: 'first' });
      middleware.revokeTokens();
      middleware.clear();

      const res = await sim.control.post<AgentResult>('/sim/agent/outbound', {
        channelId: CHAT,
        to: 'visitor-22',
        text: 'second',
      });

      expect(res.body).toMatchObject({ status: 200, sent: true, validation: { status: 200 } });
      expect(paths()).toEqual([VALIDATION, TOKEN, VALIDATION, OUTBOUND]);
      expect(middleware.calls.slice(1, 3).map((c) => c.authorization)).not.toContain(middleware.calls[0].authorization);
    });

    it('answers 502 and stores nothing when the middleware cannot be reached', async () => {
      await sim.control.request('PATCH', '/sim/config', { middlewareUrl: 'http://127.0.0.1:1/integration/box' });

      const res = await sim.control.post<AgentResult>('/sim/agent/outbound', {
        channelId: CHAT,
        to: 'visitor-23',
        text: 'anyone?',
      });

      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ status: null, sent: false, error: anyString });
      expect((await sim.control.get<unknown[]>('/sim/messages')).body).toEqual([]);
    });

    it('is skipped when recipientValidation is off, and never asked for replies or native channels', async () => {
      await sim.control.request('PATCH', '/sim/config', { recipientValidation: false });
      const res = await sim.control.post<AgentResult>('/sim/agent/outbound', {
        channelId: CHAT,
        to: 'visitor-24',
        text: 'no questions asked',
      });
      await sim.control.request('PATCH', '/sim/config', { recipientValidation: true });
      await visitorWrites('chat-24');
      await sim.control.post('/sim/agent/reply', {
        channelId: CHAT,
        threadIdOnExternalPlatform: 'chat-24',
        text: 'hi',
      });
      await sim.control.post('/sim/agent/outbound', { channelId: SMS, to: '+15553000024', text: 'sms' });

      expect(res.body).toMatchObject({ status: 200, sent: true });
      expect(res.body.validation).toBeUndefined();
      expect(middleware.callsTo(VALIDATION)).toEqual([]);
      expect(middleware.callsTo(OUTBOUND)).toHaveLength(2);
    });
  });

  describe('the legacy reply path (useDfo3Outbound off, cxone-api.md §2.2)', () => {
    it('posts agent replies to /1.0/posts/{thread}/messages and keeps the flat id it answers', async () => {
      await visitorWrites('chat-legacy');
      const settings = await sim.control.patch<Record<string, unknown>>(`/sim/channels/${CHAT}/settings`, {
        useDfo3Outbound: false,
      });

      const res = await sim.control.post<AgentResult>('/sim/agent/reply', {
        channelId: CHAT,
        threadIdOnExternalPlatform: 'chat-legacy',
        text: 'Hi Ana (legacy)',
        agent: { firstName: 'Sam', surname: 'Lee' },
      });

      expect(settings.status).toBe(200);
      expect(settings.body).toEqual({
        channelId: CHAT,
        useDfo3Outbound: false,
        overrides: { useDfo3Outbound: false },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 200, sent: true });
      expect(middleware.calls.map((c) => c.url.replace('/integration/box', ''))).toEqual([
        TOKEN,
        legacyReply('chat-legacy'),
      ]);
      const [call] = middleware.callsTo(legacyReply('chat-legacy'));
      expect(call.authorization).toMatch(/^Bearer .+/);
      expect(call.body).toEqual({
        brand: { id: anyNumber, friendlyName: anyString },
        post: { idOnExternalPlatform: 'chat-legacy' },
        messageContent: { type: 'TEXT', payload: { text: 'Hi Ana (legacy)' } },
        recipients: [{ idOnExternalPlatform: 'visitor-7', name: 'Ana Silva', isPrimary: true }],
        author: { id: anyNumber, firstName: 'Sam', surname: 'Lee' },
      });
      const stored = await sim.control.get<Array<{ idOnExternalPlatform: string }>>(
        '/sim/messages?threadIdOnExternalPlatform=chat-legacy&direction=outbound',
      );
      expect(stored.body.map((m) => m.idOnExternalPlatform)).toEqual([
        (res.body.body as { idOnExternalPlatform: string }).idOnExternalPlatform,
      ]);
      const log = await sim.control.get<Array<{ operation: string }>>('/sim/requests?direction=to-middleware');
      expect(log.body.map((e) => e.operation)).toEqual(['middlewareToken', 'middlewareLegacyReply']);
    });

    it('retries the legacy call once with a new token after a 401', async () => {
      await visitorWrites('chat-legacy-401');
      await sim.control.patch(`/sim/channels/${CHAT}/settings`, { useDfo3Outbound: false });
      await sim.control.post('/sim/agent/reply', {
        channelId: CHAT,
        threadIdOnExternalPlatform: 'chat-legacy-401',
        text: 'a',
      });
      middleware.revokeTokens();
      middleware.clear();

      const res = await sim.control.post<AgentResult>('/sim/agent/reply', {
        channelId: CHAT,
        threadIdOnExternalPlatform: 'chat-legacy-401',
        text: 'b',
      });

      expect(res.body.status).toBe(200);
      const legacy = legacyReply('chat-legacy-401');
      expect(middleware.calls.map((c) => c.url.replace('/integration/box', ''))).toEqual([legacy, TOKEN, legacy]);
    });

    it('follows the global setting unless the channel overrides it (null clears the override)', async () => {
      await sim.control.patch('/sim/config', { useDfo3Outbound: false });
      const global = await sim.control.get<{ useDfo3Outbound: boolean }>(`/sim/channels/${CHAT}/settings`);
      await dfo.post(`/dfo/3.0/channels/${CHAT}/outbound`, textOutbound('visitor-30', 'legacy proactive'));
      await middleware.waitFor((calls) => calls.some((c) => c.url.includes('/1.0/posts/')));
      await sim.control.patch(`/sim/channels/${CHAT}/settings`, { useDfo3Outbound: true });
      await dfo.post(`/dfo/3.0/channels/${CHAT}/outbound`, textOutbound('visitor-31', 'dfo3 proactive'));
      await middleware.waitFor((calls) => calls.some((c) => c.url.endsWith(OUTBOUND)));
      const cleared = await sim.control.patch<{ useDfo3Outbound: boolean; overrides: object }>(
        `/sim/channels/${CHAT}/settings`,
        { useDfo3Outbound: null },
      );

      expect(global.body.useDfo3Outbound).toBe(false);
      expect(middleware.calls.filter((c) => !c.url.endsWith(TOKEN)).map((c) => c.body.messageContent)).toEqual([
        { type: 'TEXT', payload: { text: 'legacy proactive' } },
        { type: 'TEXT', payload: { text: 'dfo3 proactive' } },
      ]);
      expect(cleared.body).toMatchObject({ useDfo3Outbound: false, overrides: {} });
    });

    it('validates channel settings', async () => {
      const wrongType = await sim.control.patch<{ details: Array<{ field: string }> }>(
        `/sim/channels/${CHAT}/settings`,
        { useDfo3Outbound: 'no', colour: 'red' },
      );
      const unknown = await sim.control.patch('/sim/channels/nope/settings', { useDfo3Outbound: true });
      const notObject = await sim.control.patch(`/sim/channels/${CHAT}/settings`, [true]);

      expect(wrongType.status).toBe(400);
      expect(wrongType.body.details.map((d) => d.field)).toEqual(['colour', 'useDfo3Outbound']);
      expect(unknown.status).toBe(404);
      expect(notObject.status).toBe(400);
      expect((await sim.control.get(`/sim/channels/${CHAT}/settings`)).body).toMatchObject({ overrides: {} });
    });
  });

  it('hands a proactive DFO outbound on the BYOC chat channel to /2.0/channel/{id}/outbound with a token', async () => {
    const res = await dfo.post<DfoMessageResponse>(
      `/dfo/3.0/channels/${CHAT}/outbound`,
      textOutbound('visitor-40', 'Your table is ready', { thread: { idOnExternalPlatform: 'chat-proactive-2' } }),
    );

    await middleware.waitFor((calls) => calls.some((c) => c.url.endsWith(OUTBOUND)));

    expect(res.status).toBe(200);
    expect(res.body.message!.idOnExternalPlatform).toBeNull(); // a BYOC platform gives the id, not CXone
    expect(middleware.calls.map((c) => c.url.replace('/integration/box', ''))).toEqual([TOKEN, OUTBOUND]);
    const [call] = middleware.callsTo(OUTBOUND);
    expect(call.authorization).toMatch(/^Bearer .+/);
    expect(call.body).toEqual({
      brand: { id: anyNumber, friendlyName: anyString },
      thread: { idOnExternalPlatform: 'chat-proactive-2' },
      messageContent: { type: 'TEXT', payload: { text: 'Your table is ready' } },
      endUserRecipients: [{ idOnExternalPlatform: 'visitor-40', isPrimary: true }],
      authorUser: { id: anyNumber, firstName: 'Threadline', surname: 'API' },
    });
    // The middleware's id is recorded on the stored message once its answer is in.
    await eventually(async () => {
      const stored = await sim.control.get<Array<{ idOnExternalPlatform: string | null }>>(
        '/sim/messages?threadIdOnExternalPlatform=chat-proactive-2',
      );
      expect(stored.body.map((m) => m.idOnExternalPlatform)).toEqual([expect.stringMatching(/^widget-/)]);
    });
  });
});
