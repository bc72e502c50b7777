import type { DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { realNowMs } from '@/simulator/common/clock';
import type { HttpClient, HttpResponse } from '@test/helpers/http';
import {
  CHAT,
  FakeMiddleware,
  FakeWebhook,
  newMessage,
  SimulatorHarness,
  SMS,
  startSimulator,
  templateOutbound,
  textOutbound,
  WHATSAPP,
} from './simulator-harness';

const SECRET = 'clock-webhook-secret';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface ClockView {
  now: string;
  offsetMs: number;
}

interface ControlErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details: Array<{ field: string; message: string; errorCode: string }>;
}

type DfoErrorBody = { errors: Array<{ message: string; errorCode: string; field?: string }> };

describe('CXone simulator: the settable clock', () => {
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

  const clock = async (): Promise<ClockView> => (await sim.control.get<ClockView>('/sim/clock')).body;
  const advance = async (advanceMs: number): Promise<ClockView> => {
    const res = await sim.control.post<ClockView>('/sim/clock', { advanceMs });
    if (res.status !== 200) throw new Error(`advancing the clock failed: ${res.status} ${res.text}`);
    return res.body;
  };

  describe('the control routes', () => {
    it('tells real time with offset 0, and moves forward by each advance, answering the new time', async () => {
      // The simulator runs in this process: realNowMs is the very clock it adds its offset to.
      const before = Math.floor(realNowMs());
      const initial = await clock();
      const first = await advance(25 * HOUR_MS);
      const second = await advance(1);
      const after = await clock();
      const end = realNowMs();

      expect(initial.offsetMs).toBe(0);
      expect(Date.parse(initial.now)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(initial.now)).toBeLessThanOrEqual(end);
      expect([first.offsetMs, second.offsetMs, after.offsetMs]).toEqual([
        25 * HOUR_MS,
        25 * HOUR_MS + 1,
        25 * HOUR_MS + 1,
      ]);
      expect(Date.parse(after.now) - after.offsetMs).toBeGreaterThanOrEqual(before);
      expect(Date.parse(after.now) - after.offsetMs).toBeLessThanOrEqual(end);
    });

    it('refuses a bad advance with a 400 naming advanceMs, and leaves the clock where it was', async () => {
      await advance(1000);
      const bodies: unknown[] = [
        {},
        { advanceMs: 0 },
        { advanceMs: -1000 },
        { advanceMs: 1.5 },
        { advanceMs: '1000' },
        { advanceMs: null },
        { advanceMs: 400 * DAY_MS + 1 },
        { advanceMs: 1000, backwards: true },
      ];

      const answers = await Promise.all(
        bodies.map(async (body) => ({ body, res: await sim.control.post<ControlErrorBody>('/sim/clock', body) })),
      );
      const notAnObject = await sim.control.post<ControlErrorBody>('/sim/clock', [1000]);
      const noBody = await sim.control.post<ControlErrorBody>('/sim/clock');

      expect(
        answers.map(({ body, res }) => ({ body, status: res.status, fields: res.body.details?.map((d) => d.field) })),
      ).toEqual(
        bodies.map((body) => ({
          body,
          status: 400,
          fields: (body as Record<string, unknown>).backwards ? ['backwards'] : ['advanceMs'],
        })),
      );
      for (const { res } of answers) {
        expect(res.body).toMatchObject({
          statusCode: 400,
          error: 'Bad Request',
          message: expect.any(String) as unknown,
        });
      }
      expect([notAnObject.status, noBody.status]).toEqual([400, 400]);
      expect(notAnObject.body).toMatchObject({
        statusCode: 400,
        message: expect.stringContaining('JSON object') as unknown,
      });
      expect((await clock()).offsetMs).toBe(1000);
    });

    it('accepts 400 days in one step but refuses to run more than 100 years ahead', async () => {
      const steps = Math.floor(36_525 / 400); // 91 steps of 400 days: 36,400 days ahead
      for (let i = 0; i < steps; i++) await advance(400 * DAY_MS);

      const beyond = await sim.control.post<ControlErrorBody>('/sim/clock', { advanceMs: 400 * DAY_MS });
      const last = await sim.control.post<ClockView>('/sim/clock', { advanceMs: 125 * DAY_MS });

      expect(beyond.status).toBe(400);
      expect(beyond.body.details.map((d) => d.field)).toEqual(['advanceMs']);
      expect(beyond.body.message).toContain('100 years');
      expect(last.status).toBe(200);
      expect(last.body.offsetMs).toBe(36_525 * DAY_MS);
      expect(new Date(last.body.now).getUTCFullYear()).toBeGreaterThanOrEqual(new Date().getUTCFullYear() + 99);
    });

    it('goes back to real time on POST /sim/reset', async () => {
      await advance(3 * DAY_MS);
      await sim.reset();
      const before = Math.floor(realNowMs());
      const after = await clock();
      const end = realNowMs();

      expect(after.offsetMs).toBe(0);
      expect(Date.parse(after.now)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(after.now)).toBeLessThanOrEqual(end);
    });

    it('keeps one clock per simulator: another one in the same process is not moved', async () => {
      const other = await startSimulator();
      try {
        await Promise.all([sim, other].map((s) => s.control.patch('/sim/config', { tokenTtlSeconds: 60 })));
        const mine = await sim.dfo();
        const theirs = await other.dfo();
        await advance(2 * MINUTE_MS);

        expect((await other.control.get<ClockView>('/sim/clock')).body.offsetMs).toBe(0);
        expect((await theirs.get('/dfo/3.0/contacts')).status).toBe(200);
        expect((await mine.get('/dfo/3.0/contacts')).status).toBe(401);
      } finally {
        await other.close();
      }
    });
  });

  describe('what follows the clock', () => {
    it('lets an access token lapse once the clock passes tokenTtlSeconds, and a new one works', async () => {
      await sim.control.patch('/sim/config', { tokenTtlSeconds: 60 });
      const client = await sim.dfo();
      expect((await client.get('/dfo/3.0/contacts')).status).toBe(200);

      await advance(59_000);
      const justBefore = await client.get('/dfo/3.0/contacts');
      await advance(1_000);
      const after = await client.get<DfoErrorBody>('/dfo/3.0/contacts');
      const renewed = await (await sim.dfo()).get('/dfo/3.0/contacts');

      expect(justBefore.status).toBe(200);
      expect(after.status).toBe(401);
      expect(after.body.errors[0].message).toMatch(/expired/);
      expect(renewed.status).toBe(200);
    });

    it('closes a customer’s WhatsApp window 24 hours after their last message: then only templates go out', async () => {
      const customer = '+15557000001';
      const reply = await sim.control.post<DfoMessageResponse>('/sim/customer/reply', {
        channelId: WHATSAPP,
        from: customer,
        text: 'Is my flight on time?',
      });
      const thread = { idOnExternalPlatform: reply.body.consumerContact!.threadIdOnExternalPlatform };

      await advance(24 * HOUR_MS - MINUTE_MS);
      dfo = await sim.dfo(); // the first token (tokenTtlSeconds) has lapsed by now
      const stillOpen = await dfo.post(
        `/dfo/3.0/channels/${WHATSAPP}/outbound`,
        textOutbound(customer, 'It is', { thread }),
      );
      await advance(MINUTE_MS);
      const closed = await dfo.post<DfoErrorBody>(
        `/dfo/3.0/channels/${WHATSAPP}/outbound`,
        textOutbound(customer, 'Still on time', { thread }),
      );
      const template = await dfo.post(
        `/dfo/3.0/channels/${WHATSAPP}/outbound`,
        templateOutbound(customer, 'flight_cancellation', { '1': 'Ana', '2': 'TL123' }),
      );

      expect(stillOpen.status).toBe(200);
      expect(closed.status).toBe(400);
      expect(closed.body.errors).toEqual([
        expect.objectContaining({ field: 'messageContent', errorCode: 'outsideWhatsAppWindow' }),
      ]);
      expect(closed.body.errors[0].message).toContain('closed');
      expect(template.status).toBe(200);
    });

    it('refills a contact’s bucket as the clock moves on', async () => {
      await sim.control.patch('/sim/config', { contactBucketBurst: 2, contactBucketRefillPerMinute: 1 });
      const created = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, newMessage());
      const contact = created.body.consumerContact!.id;
      const update = (status: string) => dfo.put(`/dfo/3.0/contacts/${contact}/status`, { status });

      const spent = [await update('open'), await update('pending')];
      const empty = await update('open');
      await advance(50_000); // five sixths of a token
      const stillEmpty = await update('open');
      await advance(10_000); // a whole token
      const refilled = await update('open');
      const emptyAgain = await update('pending');

      expect(spent.map((r) => r.status)).toEqual([204, 204]);
      expect(empty.status).toBe(429);
      expect(Number(empty.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
      expect(stillEmpty.status).toBe(429);
      expect(refilled.status).toBe(204);
      expect(emptyAgain.status).toBe(429);
    });

    it('lets a one-time token expire 10 minutes after it was issued', async () => {
      const issue = () =>
        sim.control.post<{ token: string; brandId: number; userId: number }>('/sim/one-time-tokens', {});
      const verify = (issued: HttpResponse<{ token: string; brandId: number; userId: number }>) =>
        sim.http.post<DfoErrorBody>('/dfo/3.0/one-time-token/verification', {
          brandId: issued.body.brandId,
          userId: issued.body.userId,
          token: issued.body.token,
          purpose: 'channel-integration',
        });
      const early = await issue();
      const late = await issue();

      await advance(10 * MINUTE_MS - 1000);
      const inTime = await verify(early);
      await advance(1000);
      const tooLate = await verify(late);

      expect(inTime.status).toBe(200);
      expect(tooLate.status).toBe(401);
      expect(tooLate.body.errors[0].message).toMatch(/expired/);
    });

    it('empties the contact reads of the last hour an hour later', async () => {
      await dfo.get('/dfo/3.0/contacts');
      await dfo.get('/dfo/3.0/contacts');
      type Reads = { contactReads: { total: number; lastHour: number } };
      const before = (await sim.control.get<Reads>('/sim/stats')).body.contactReads;

      await advance(HOUR_MS);
      const after = (await sim.control.get<Reads>('/sim/stats')).body.contactReads;

      expect(before).toMatchObject({ total: 2, lastHour: 2 });
      expect(after).toMatchObject({ total: 2, lastHour: 0 });
    });

    it('stamps messages, request-log arrivals, stats seconds and webhook pushes with the moved clock', async () => {
      await dfo.get('/dfo/3.0/channels'); // logged before the advance
      const offset = (await advance(2 * DAY_MS)).offsetMs;
      const realBefore = realNowMs();
      dfo = await sim.dfo(); // the first token (tokenTtlSeconds) has lapsed by now
      const reply = await sim.control.post<DfoMessageResponse>('/sim/customer/reply', {
        channelId: SMS,
        from: '+15557000002',
        text: 'Hello',
      });
      const sent = await dfo.post<DfoMessageResponse>(
        `/dfo/3.0/channels/${SMS}/outbound`,
        textOutbound('+15557000002'),
      );
      await webhook.waitFor((calls) => calls.length >= 1);
      const realAfter = realNowMs();

      type Entry = { seq: number; at: number; operation: string };
      const log = (await sim.control.get<Entry[]>('/sim/requests?direction=received')).body;
      const [pushed] = (await sim.control.get<Entry[]>('/sim/requests?direction=to-webhook')).body;
      type Stats = { outbound: { perSecond: Array<{ second: number; accepted: number }> } };
      const perSecond = (await sim.control.get<Stats>('/sim/stats')).body.outbound.perSecond;
      const [push] = webhook.calls;

      // Each of these is on the simulator's clock: real time (while the test ran) plus the offset.
      const times: Record<string, number> = {
        customerMessage: Date.parse(reply.body.message!.createdAtWithMilliseconds!),
        contactCreated: Date.parse(reply.body.consumerContact!.createdAt),
        outboundMessage: Date.parse(sent.body.message!.createdAtWithMilliseconds!),
        tokenArrival: log[2].at,
        outboundArrival: log[3].at,
        outboundSecond: perSecond[0].second * 1000,
        eventCreated: Date.parse(push.body.createdAtWithMilliseconds as string),
        webhookTimestamp: Number(push.headers['x-cxone-timestamp']) * 1000,
        webhookSent: pushed.at,
      };
      // ISO times and seconds are truncated, so the window starts at the start of realBefore's second.
      const outside = Object.entries(times)
        .map(([name, ms]) => ({ name, realMs: ms - offset }))
        .filter(({ realMs }) => !(realMs >= Math.floor(realBefore / 1000) * 1000 && realMs <= realAfter));
      expect({ outside, realBefore, realAfter }).toEqual({ outside: [], realBefore, realAfter });

      expect(log.map((e) => e.operation)).toEqual(['token', 'channels', 'token', 'outbound']);
      expect(log.map((e) => e.at)).toEqual([...log.map((e) => e.at)].sort((a, b) => a - b));
      expect(log.filter((e) => Number.isInteger(e.at))).toEqual([]); // still sub-millisecond
      expect(log[2].at - log[1].at).toBeGreaterThanOrEqual(offset);
      expect(perSecond).toEqual([{ second: Math.floor(log[3].at / 1000), accepted: 1, rateLimited: 0 }]);
      expect(push.status).toBe(204); // signed with the moved timestamp, and still valid
    });

    it('makes the simulated CXone fetch a new middleware token once the old one has expired', async () => {
      await dfo.post(
        `/dfo/3.0/channels/${CHAT}/messages`,
        newMessage({ thread: { idOnExternalPlatform: 'clock-chat' } }),
      );
      const agentReply = (text: string) =>
        sim.control.post<{ status: number }>('/sim/agent/reply', {
          channelId: CHAT,
          threadIdOnExternalPlatform: 'clock-chat',
          text,
        });

      await agentReply('first');
      await agentReply('second, same token');
      await advance(DAY_MS); // the fake middleware's tokens last 86,400 s
      const third = await agentReply('third, new token');

      expect(third.body.status).toBe(200);
      expect(middleware.calls.map((c) => c.url.replace(/^\/integration\/box/, ''))).toEqual([
        '/1.0/token',
        `/2.0/channel/${CHAT}/outbound`,
        `/2.0/channel/${CHAT}/outbound`,
        '/1.0/token',
        `/2.0/channel/${CHAT}/outbound`,
      ]);
    });
  });
});
