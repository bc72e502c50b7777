import type { DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import {
  CHAT,
  FakeMiddleware,
  FakeWebhook,
  hasValidSignature,
  newMessage,
  SimulatorHarness,
  SMS,
  startSimulator,
} from './simulator-harness';

const SECRET = 'webhook-secret-for-tests';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface WebhookEvent {
  eventId: string;
  eventObject: string;
  eventType: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError?: string;
  body: Record<string, unknown>;
}

interface Redelivery {
  eventId: string;
  status: number | null;
  ok: boolean;
  tampered: boolean;
  timestamp: number;
  attempts: number;
}

describe('CXone simulator: DFO events pushed to a webhook', () => {
  let webhook: FakeWebhook;
  let middleware: FakeMiddleware;
  let sim: SimulatorHarness;
  let dfo: HttpClient;

  beforeAll(async () => {
    webhook = new FakeWebhook(SECRET);
    middleware = new FakeMiddleware();
    sim = await startSimulator({
      SIMULATOR_WEBHOOK_URL: await webhook.start(),
      SIMULATOR_WEBHOOK_SECRET: SECRET,
      SIMULATOR_MIDDLEWARE_URL: await middleware.start(),
    });
  });
  afterAll(async () => {
    await sim.close();
    await webhook.stop();
    await middleware.stop();
  });
  beforeEach(async () => {
    await sim.reset();
    webhook.clear();
    middleware.clear();
    dfo = await sim.dfo();
  });

  const events = async (query = ''): Promise<WebhookEvent[]> =>
    (await sim.control.get<WebhookEvent[]>(`/sim/webhooks${query}`)).body;
  const customerWrites = (from: string, text: string) =>
    sim.control.post<DfoMessageResponse>('/sim/customer/reply', { channelId: SMS, from, text });

  describe('Message/MessageCreated', () => {
    it('is pushed for a customer reply, with the case and the stored message, HMAC-signed over the raw body', async () => {
      const reply = await customerWrites('+15558000001', 'HELP');
      await webhook.waitFor((calls) => calls.length === 1);

      const [call] = webhook.calls;
      const contact = reply.body.consumerContact!;
      expect(call.body).toEqual({
        eventId: expect.stringMatching(UUID) as unknown,
        eventObject: 'Message',
        eventType: 'MessageCreated',
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/) as unknown,
        createdAtWithMilliseconds: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/) as unknown,
        data: {
          brand: { id: 4501, friendlyName: 'Threadline Dev Brand', tenantId: 'threadline-dev-tenant' },
          channel: { id: SMS },
          case: {
            id: contact.id,
            threadId: contact.threadId,
            threadIdOnExternalPlatform: contact.threadIdOnExternalPlatform,
            status: 'new',
            direction: 'inbound',
          },
          message: reply.body.message,
        },
      });
      expect(call.body.createdAt).toBe(`${(call.body.createdAtWithMilliseconds as string).slice(0, 19)}Z`);
      expect(call.body.data.message).toMatchObject({
        direction: 'inbound',
        authorEndUserIdentity: { idOnExternalPlatform: '+15558000001' },
        messageContent: { type: 'TEXT', payload: { text: 'HELP' } },
        contactNumber: contact.id,
      });
      expect(call.headers['content-type']).toBe('application/json');
      const timestamp = Number(call.headers['x-cxone-timestamp']);
      expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
      expect(call.headers['x-cxone-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(hasValidSignature(call.headers, call.raw, SECRET)).toBe(true);
      expect(call.status).toBe(204);
    });

    it('is pushed for an inbound DFO create message, not for an outbound one, without delaying the answer', async () => {
      const release = webhook.hold();
      const outbound = await dfo.post(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ direction: 'outbound' }));
      const inbound = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, newMessage());

      // Both answers are in while the webhook still holds its answer: the push runs beside the request.
      await webhook.waitFor((calls) => calls.length === 1);
      const pending = await events();
      release();
      await eventually(events, (list) => list.every((e) => e.state === 'delivered'), { what: 'delivery' });

      expect([outbound.status, inbound.status]).toEqual([200, 200]);
      expect(pending.map((e) => [e.eventType, e.state])).toEqual([['MessageCreated', 'pending']]);
      expect(webhook.calls.map((c) => (c.body.data.message as { id: string }).id)).toEqual([inbound.body.message!.id]);
      expect(webhook.calls[0].body.data.channel).toEqual({ id: CHAT });
    });

    it('is not pushed again for a deduplicated repeat', async () => {
      const body = newMessage();
      await dfo.post(`/dfo/3.0/channels/${CHAT}/messages`, body);
      await dfo.post(`/dfo/3.0/channels/${CHAT}/messages`, body);

      expect((await events()).map((e) => e.eventType)).toEqual(['MessageCreated']);
    });
  });

  describe('Case/CaseStatusChanged', () => {
    it('is pushed for DFO PUT /contacts/{n}/status and the control route, with the previous status', async () => {
      const reply = await customerWrites('+15558000002', 'Hello');
      const contact = reply.body.consumerContact!;

      await dfo.put(`/dfo/3.0/contacts/${contact.id}/status`, { status: 'resolved' });
      await dfo.put(`/dfo/3.0/contacts/${contact.id}/status`, { status: 'resolved' }); // no change, no event
      await sim.control.post(`/sim/contacts/${contact.id}/status`, { status: 'closed' });
      await webhook.waitFor((calls) => calls.filter((c) => c.body.eventType === 'CaseStatusChanged').length === 2);

      const changes = (await events('?eventType=CaseStatusChanged')).map((e) => e.body);
      expect(changes.map((e) => (e.data as { case: { previousStatus: string; status: string } }).case)).toEqual([
        expect.objectContaining({ previousStatus: 'new', status: 'resolved' }),
        expect.objectContaining({ previousStatus: 'resolved', status: 'closed' }),
      ]);
      expect(changes[0]).toMatchObject({ eventObject: 'Case', eventType: 'CaseStatusChanged' });
      expect(changes[0].data).toEqual({
        brand: { id: 4501, friendlyName: 'Threadline Dev Brand', tenantId: 'threadline-dev-tenant' },
        channel: { id: SMS },
        case: {
          id: contact.id,
          threadId: contact.threadId,
          threadIdOnExternalPlatform: contact.threadIdOnExternalPlatform,
          status: 'resolved',
          previousStatus: 'new',
          endUserRecipients: [{ idOnExternalPlatform: '+15558000002' }],
        },
      });
      expect(webhook.of('CaseStatusChanged').map((c) => hasValidSignature(c.headers, c.raw, SECRET))).toEqual([
        true,
        true,
      ]);
    });

    it('is pushed when an agent reply opens the contact', async () => {
      const reply = await customerWrites('+15558000003', 'Hello?');

      await sim.control.post('/sim/agent/reply', {
        channelId: SMS,
        threadIdOnExternalPlatform: reply.body.consumerContact!.threadIdOnExternalPlatform,
        text: 'Hi, how can I help?',
      });

      const changes = await events('?eventType=CaseStatusChanged');
      expect(changes.map((e) => (e.body.data as { case: object }).case)).toEqual([
        expect.objectContaining({ id: reply.body.consumerContact!.id, previousStatus: 'new', status: 'open' }),
      ]);
    });
  });

  describe('delivery', () => {
    it('retries a non-2xx answer with the same eventId and the same bytes, and logs each attempt', async () => {
      await sim.control.patch('/sim/config', { webhookRetryBackoffMs: 5 });
      webhook.failNext(500, 503);

      await customerWrites('+15558000010', 'Hello');
      const [event] = await eventually(events, (list) => list[0]?.state !== 'pending', { what: 'delivery' });

      expect(event).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 204 });
      expect(webhook.calls.map((c) => c.status)).toEqual([500, 503, 204]);
      expect(new Set(webhook.calls.map((c) => c.body.eventId))).toEqual(new Set([event.eventId]));
      expect(new Set(webhook.calls.map((c) => c.raw)).size).toBe(1);
      const log = await sim.control.get<
        Array<{ direction: string; operation: string; status: number; eventId: string; path: string }>
      >('/sim/requests?direction=to-webhook');
      expect(log.body.map((e) => [e.operation, e.status, e.eventId, e.path])).toEqual([
        ['webhook', 500, event.eventId, webhook.path],
        ['webhook', 503, event.eventId, webhook.path],
        ['webhook', 204, event.eventId, webhook.path],
      ]);
    });

    it('gives up after webhookRetries retries', async () => {
      await sim.control.patch('/sim/config', { webhookRetryBackoffMs: 5 });
      webhook.failNext(500, 500, 500, 500, 500);

      await customerWrites('+15558000011', 'Hello');
      const [event] = await eventually(events, (list) => list[0]?.state === 'failed', { what: 'giving up' });

      expect(event).toMatchObject({ attempts: 4, lastStatus: 500 });
      expect(webhook.calls).toHaveLength(4);
      const stats = await sim.control.get<{ webhooks: Record<string, number> }>('/sim/stats');
      expect(stats.body.webhooks).toEqual({ events: 1, attempts: 4, failedAttempts: 4, delivered: 0, failed: 1 });
    });

    it('retries a refused connection, recording the error', async () => {
      await sim.control.patch('/sim/config', {
        webhookUrl: 'http://127.0.0.1:1/webhooks/cxone/acct-1',
        webhookRetryBackoffMs: 5,
        webhookRetries: 1,
      });

      await customerWrites('+15558000012', 'Hello');
      const [event] = await eventually(events, (list) => list[0]?.state === 'failed', { what: 'giving up' });

      expect(event).toMatchObject({ attempts: 2, lastStatus: null, lastError: expect.any(String) as unknown });
      const log = await sim.control.get<Array<{ status: number | null; error: string }>>(
        '/sim/requests?direction=to-webhook',
      );
      expect(log.body.map((e) => e.status)).toEqual([null, null]);
      expect(log.body[0].error).toContain('fetch failed');
    });

    it('sends the secret as a bearer token in bearer mode (redacted in the request log)', async () => {
      await sim.control.patch('/sim/config', { webhookAuth: 'bearer' });
      webhook.auth = 'bearer';

      await customerWrites('+15558000013', 'Hello');
      await webhook.waitFor((calls) => calls.length === 1);

      const [call] = webhook.calls;
      expect(call.headers.authorization).toBe(`Bearer ${SECRET}`);
      expect(call.headers['x-cxone-signature']).toBeUndefined();
      expect(call.status).toBe(204);
      const log = await sim.control.get<Array<{ headers: Record<string, string> }>>(
        '/sim/requests?direction=to-webhook',
      );
      expect(log.body[0].headers).toEqual({ authorization: '[redacted]' });
    });

    it('pushes nothing when webhookUrl is unset', async () => {
      await sim.control.patch('/sim/config', { webhookUrl: null });
      const config = await sim.control.get<Record<string, unknown>>('/sim/config');

      await customerWrites('+15558000014', 'Hello');
      const contact = (await sim.control.get<Array<{ id: string }>>('/sim/contacts')).body[0];
      await dfo.put(`/dfo/3.0/contacts/${contact.id}/status`, { status: 'closed' });

      expect(config.body).toMatchObject({ webhookUrl: null, webhookSecret: '***', webhookAuth: 'hmac' });
      expect(await events()).toEqual([]);
      expect((await sim.control.get<unknown[]>('/sim/requests?direction=to-webhook')).body).toEqual([]);
    });
  });

  describe('POST /sim/webhooks/{eventId}/redeliver', () => {
    const delivered = async (): Promise<WebhookEvent> => {
      await customerWrites('+15558000020', 'Hello');
      const [event] = await eventually(events, (list) => list[0]?.state === 'delivered', { what: 'delivery' });
      return event;
    };

    it('sends the same event again with the same eventId and bytes, freshly signed', async () => {
      const event = await delivered();

      const again = await sim.control.post<Redelivery>(`/sim/webhooks/${event.eventId}/redeliver`);

      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ eventId: event.eventId, status: 204, ok: true, tampered: false, attempts: 2 });
      expect(webhook.calls.map((c) => c.body.eventId)).toEqual([event.eventId, event.eventId]);
      expect(webhook.calls[1].raw).toBe(webhook.calls[0].raw);
      expect(hasValidSignature(webhook.calls[1].headers, webhook.calls[1].raw, SECRET)).toBe(true);
      expect(webhook.calls[1].headers['x-cxone-timestamp']).toBe(String(again.body.timestamp));
    });

    it('repeats the first request byte for byte with reuseTimestamp (a replay)', async () => {
      const event = await delivered();
      const firstSecond = Number(webhook.calls[0].headers['x-cxone-timestamp']);
      // Timestamps are whole seconds: let the clock pass the first one, or a fresh signature would look the same.
      await eventually(
        () => Promise.resolve(Math.floor(Date.now() / 1000)),
        (second) => second > firstSecond,
        { what: 'the next second', everyMs: 20 },
      );

      await sim.control.post(`/sim/webhooks/${event.eventId}/redeliver`, { reuseTimestamp: true });
      await sim.control.post(`/sim/webhooks/${event.eventId}/redeliver`);

      const [first, replay, fresh] = webhook.calls;
      expect(replay.raw).toBe(first.raw);
      expect(replay.headers['x-cxone-timestamp']).toBe(first.headers['x-cxone-timestamp']);
      expect(replay.headers['x-cxone-signature']).toBe(first.headers['x-cxone-signature']);
      expect(Number(fresh.headers['x-cxone-timestamp'])).toBeGreaterThan(firstSecond);
      expect(fresh.headers['x-cxone-signature']).not.toBe(first.headers['x-cxone-signature']);
    });

    it('sends a wrong signature with tamper (body or query), which a verifying receiver refuses', async () => {
      const event = await delivered();

      const viaBody = await sim.control.post<Redelivery>(`/sim/webhooks/${event.eventId}/redeliver`, { tamper: true });
      const viaQuery = await sim.control.post<Redelivery>(`/sim/webhooks/${event.eventId}/redeliver?tamper=true`);

      expect([viaBody.body, viaQuery.body]).toEqual([
        expect.objectContaining({ status: 401, ok: false, tampered: true }),
        expect.objectContaining({ status: 401, ok: false, tampered: true }),
      ]);
      const tampered = webhook.calls.slice(1);
      expect(tampered.map((c) => c.body.eventId)).toEqual([event.eventId, event.eventId]);
      expect(tampered.map((c) => c.raw)).toEqual([webhook.calls[0].raw, webhook.calls[0].raw]);
      expect(tampered.map((c) => c.headers['x-cxone-signature'])).toEqual([
        expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
        expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
      ]);
      expect(tampered.map((c) => hasValidSignature(c.headers, c.raw, SECRET))).toEqual([false, false]);
      expect((await events())[0]).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 401 });
    });

    it('validates the request: 404 unknown event, 400 bad flags, 409 without a webhookUrl', async () => {
      const event = await delivered();

      const unknown = await sim.control.post('/sim/webhooks/no-such-event/redeliver');
      const badBody = await sim.control.post<{ details: Array<{ field: string }> }>(
        `/sim/webhooks/${event.eventId}/redeliver`,
        { tamper: 'yes', again: true },
      );
      const badQuery = await sim.control.post(`/sim/webhooks/${event.eventId}/redeliver?tamper=maybe`);
      const notObject = await sim.control.post(`/sim/webhooks/${event.eventId}/redeliver`, [true]);
      await sim.control.patch('/sim/config', { webhookUrl: null });
      const nowhere = await sim.control.post(`/sim/webhooks/${event.eventId}/redeliver`);

      expect(unknown.status).toBe(404);
      expect(badBody.status).toBe(400);
      expect(badBody.body.details.map((d) => d.field)).toEqual(['again', 'tamper']);
      expect(badQuery.status).toBe(400);
      expect(notObject.status).toBe(400);
      expect(nowhere.status).toBe(409);
      expect(webhook.calls).toHaveLength(1);
    });
  });

  it('validates the webhook settings', async () => {
    const res = await sim.control.patch<{ details: Array<{ field: string }> }>('/sim/config', {
      webhookUrl: 'ftp://example.com/hook',
      webhookAuth: 'basic',
      webhookSecret: '',
      webhookRetries: -1,
      webhookRetryBackoffMs: 'fast',
      webhookTimeoutMs: 5,
    });

    expect(res.status).toBe(400);
    expect(res.body.details.map((d) => d.field).sort()).toEqual(
      [
        'webhookAuth',
        'webhookRetries',
        'webhookRetryBackoffMs',
        'webhookSecret',
        'webhookTimeoutMs',
        'webhookUrl',
      ].sort(),
    );
  });

  it('forgets pushed events on /sim/reset', async () => {
    await customerWrites('+15558000030', 'Hello');

    await sim.reset();

    expect(await events()).toEqual([]);
  });
});
