import { createHmac } from 'node:crypto';
import {
  allRecipients,
  Campaign,
  Channel,
  createCampaign,
  getCampaign,
  phones,
  registerChannel,
  waitForCampaign,
} from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';
import { SweeperService } from '@/modules/dispatch/sweeper.service';

const WEBHOOK_SECRET = 'threadline-dev-webhook-secret'; // the simulator's default, accepted for the simulator tenant

interface SimRequest {
  seq: number;
  operation: string;
  status: number | null;
  at: number;
  body?: { recipients?: Array<{ idOnExternalPlatform: string }>; thread?: { idOnExternalPlatform?: string } };
}
interface SimMessage {
  direction: 'inbound' | 'outbound';
  threadIdOnExternalPlatform: string;
  messageContent: { payload?: { text?: string } };
}
interface ThreadView {
  id: string;
  status: string;
  messages: Array<{
    direction: string;
    author: string;
    content: { type: string; text?: string; payload?: { text?: string } };
  }>;
}
interface Replies {
  data: Array<{ threadId: string; address: string; optedOut: boolean; messages: Array<{ text: string }> }>;
}
interface Outcomes {
  replied: number;
  optedOut: number;
  autoClosed: number;
  replyRate: number | null;
}

/**
 * The proactive loop against the simulator: a campaign goes out, customers answer (HELP, STOP, START) in the
 * simulator, CXone pushes the messages to Threadline's webhook, and what Threadline does with them shows in its API
 * and in what the simulator receives next.
 */
describe('the proactive loop: replies, keywords and CXone events', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;

  const reply = (from: string, text: string) =>
    sim.control.post('/sim/customer/reply', { channelId: 'sms_threadline_dev', from, text });
  const outboundTo = async (address: string): Promise<SimRequest[]> =>
    (await sim.control.get<SimRequest[]>('/sim/requests?operation=outbound&limit=100000')).body.filter(
      (r) => r.status === 200 && r.body?.recipients?.some((x) => x.idOnExternalPlatform === address),
    );
  const optedOut = async (address: string): Promise<boolean> => {
    const page = await admin.get<{ data: Array<{ address: string }> }>(
      `/api/v1/opt-outs?channelId=${sms.id}&limit=1000`,
    );
    return page.body.data.some((o) => o.address === address);
  };
  const outcomes = async (campaignId: string): Promise<Outcomes> =>
    (await admin.get<{ outcomes: Outcomes }>(`/api/v1/campaigns/${campaignId}`)).body.outcomes;
  const send = async (to: string[], extra: Record<string, unknown> = {}): Promise<Campaign> => {
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      recipients: to.map((address) => ({ to: address })),
      start: true,
      ...extra,
    });
    return waitForCampaign(admin, campaign.id);
  };
  const threadOf = async (campaignId: string, address: string): Promise<ThreadView> => {
    const recipient = (await allRecipients(admin, campaignId)).find((r) => r.address === address)!;
    const list = await admin.get<{ data: Array<{ id: string; idOnExternalPlatform: string }> }>(
      `/api/v1/threads?campaignId=${campaignId}`,
    );
    const thread = list.body.data.find((th) => th.idOnExternalPlatform === recipient.threadExternalId)!;
    return (await admin.get<ThreadView>(`/api/v1/threads/${thread.id}`)).body;
  };
  const textOf = (m: ThreadView['messages'][number]): string | undefined => m.content.text ?? m.content.payload?.text;

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({ ...sim.appEnv, SWEEPER_INTERVAL_MS: '60000' });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 100 });
    const configured = await sim.control.patch('/sim/config', {
      webhookUrl: `${t.http.baseUrl}/webhooks/cxone/default`,
      webhookAuth: 'hmac',
    });
    expect(configured.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('shows a HELP reply under its alert, counts it for the campaign, and answers HELP with the channel’s text', async () => {
    expect(
      (await admin.patch(`/api/v1/channels/${sms.id}`, { helpReply: 'Call us on 0800 123 or reply STOP to opt out.' }))
        .status,
    ).toBe(200);
    const [ana, bo] = phones(2);
    const campaign = await send([ana, bo]);
    await reply(ana, 'HELP');

    const thread = await eventually(
      () => threadOf(campaign.id, ana),
      (th) => th.messages.length >= 2 && th.status === 'REPLIED',
      { what: "HELP on the alert's thread, the thread answered" },
    );
    expect(thread.messages.slice(0, 2).map((m) => [m.author, textOf(m)])).toEqual([
      ['SYSTEM', 'Your flight is cancelled'],
      ['CUSTOMER', 'HELP'],
    ]);
    expect(thread.status).toBe('REPLIED');
    expect(await outcomes(campaign.id)).toEqual({ replied: 1, optedOut: 0, autoClosed: 0, replyRate: 0.5 });
    const replies = await admin.get<Replies>(`/api/v1/campaigns/${campaign.id}/replies`);
    expect(replies.body.data.map((r) => [r.address, r.optedOut, r.messages.map((m) => m.text)])).toEqual([
      [ana, false, ['HELP']],
    ]);

    // the answer goes out in the same thread at CXone
    const recipient = (await allRecipients(admin, campaign.id)).find((r) => r.address === ana)!;
    const answered = await eventually(
      async () =>
        (
          await sim.control.get<SimMessage[]>(
            `/sim/messages?channelId=sms_threadline_dev&direction=outbound&threadIdOnExternalPlatform=${recipient.threadExternalId}`,
          )
        ).body.map((m) => m.messageContent.payload?.text),
      (texts) => texts.length === 2,
      { what: 'the help answer at the simulator' },
    );
    expect(answered).toEqual(['Your flight is cancelled', 'Call us on 0800 123 or reply STOP to opt out.']);
  });

  it('opts out a customer who says STOP (the next campaign skips them), and START brings them back', async () => {
    const [ana, bo] = phones(2);
    const first = await send([ana, bo]);
    await reply(ana, 'Stop!');
    await eventually(() => optedOut(ana), Boolean, { what: `${ana} opted out` });
    expect(await outcomes(first.id)).toMatchObject({ replied: 1, optedOut: 1 });

    const second = await send([ana, bo]);
    expect(
      (await allRecipients(admin, second.id)).map((r) => [r.address, r.status]).sort(([a], [b]) => a.localeCompare(b)),
    ).toEqual([
      [ana, 'SKIPPED_OPTED_OUT'],
      [bo, 'SENT'],
    ]);
    expect((await outboundTo(ana)).length).toBe(1); // the first campaign's alert only

    await reply(ana, 'START');
    await eventually(async () => !(await optedOut(ana)), Boolean, { what: `${ana} opted in again` });
    const third = await send([ana]);
    expect((await allRecipients(admin, third.id)).map((r) => r.status)).toEqual(['SENT']);
  });

  it('sends nothing to a customer after their STOP is committed, though their campaign is sending', async () => {
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 10 });
    // only Threadline's own keyword handling may stop the send here (CXone would refuse it too, see below)
    await sim.control.patch('/sim/config', { nativeOptOut: false });
    try {
      const list = phones(30);
      const last = list.at(-1)!;
      // the customer already has a thread with us (an earlier alert): their STOP lands in it
      await send([last]);
      const campaign = await createCampaign(admin, {
        channelId: sms.id,
        recipients: list.map((to) => ({ to })),
        start: true,
      });
      await reply(last, 'STOP');
      await eventually(() => optedOut(last), Boolean, { what: `${last} opted out`, timeoutMs: 10_000 });
      const committedAt = Date.now();
      const done = await waitForCampaign(admin, campaign.id);
      const row = (await allRecipients(admin, campaign.id)).find((r) => r.address === last)!;
      const after = (await outboundTo(last)).filter((r) => r.at > committedAt);
      expect({ status: row.status, sendsAfterStop: after.length }).toEqual({
        status: 'SKIPPED_OPTED_OUT',
        sendsAfterStop: 0,
      });
      expect(done.counts.sent).toBe(29);
    } finally {
      await sim.control.patch('/sim/config', { nativeOptOut: true });
      await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 100 });
    }
  }, 30_000);

  it("learns CXone's own opt-out when CXone refuses a send, and skips the customer instead of failing them", async () => {
    const [ana] = phones(1);
    await send([ana]);
    // Threadline does not hear this STOP (no webhook): only CXone knows
    await sim.control.patch('/sim/config', { webhookUrl: null });
    try {
      await reply(ana, 'STOP');
      const campaign = await send([ana]);
      const [row] = await allRecipients(admin, campaign.id);
      expect([row.status, row.failureReason]).toEqual(['SKIPPED_OPTED_OUT', null]);
      expect(await optedOut(ana)).toBe(true);
      const again = await send([ana]);
      expect((await allRecipients(admin, again.id)).map((r) => r.status)).toEqual(['SKIPPED_OPTED_OUT']);
      expect((await outboundTo(ana)).length).toBe(1); // CXone's refusal was no delivery; the third not even tried
    } finally {
      await sim.control.patch('/sim/config', { webhookUrl: `${t.http.baseUrl}/webhooks/cxone/default` });
    }
  });

  it('ends a proactive thread the agent resolved in CXone', async () => {
    const [ana] = phones(1);
    const campaign = await send([ana]);
    await reply(ana, 'Is my refund on its way?');
    const thread = await eventually(
      () => threadOf(campaign.id, ana),
      (th) => th.status === 'REPLIED',
      { what: 'the reply' },
    );
    const [row] = await allRecipients(admin, campaign.id);
    await sim.control.post(`/sim/contacts/${row.cxoneContactId}/status`, { status: 'resolved' });
    await eventually(
      async () => (await admin.get<{ status: string; closeReason: string }>(`/api/v1/threads/${thread.id}`)).body,
      (th) => th.status === 'CLOSED',
      { what: 'the thread closed' },
    );
  });

  describe('the webhook', () => {
    const envelope = (eventId: string, from: string, text: string) =>
      JSON.stringify({
        eventId,
        eventObject: 'Message',
        eventType: 'MessageCreated',
        createdAt: new Date().toISOString(),
        data: {
          brand: { id: 1, tenantId: 't' },
          channel: { id: 'sms_threadline_dev' },
          case: { id: '1', threadId: 'x', threadIdOnExternalPlatform: `hook-${eventId}`, status: 'new' },
          message: {
            id: `m-${eventId}`,
            idOnExternalPlatform: null,
            threadIdOnExternalPlatform: `hook-${eventId}`,
            direction: 'inbound',
            createdAt: new Date().toISOString(),
            messageContent: { type: 'TEXT', payload: { text } },
            authorEndUserIdentity: { idOnExternalPlatform: from },
          },
        },
      });
    const signed = (body: string, secret = WEBHOOK_SECRET, at = Math.floor(Date.now() / 1000)) => ({
      'content-type': 'application/json',
      'x-cxone-timestamp': String(at),
      'x-cxone-signature': `sha256=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`,
    });
    const push = (body: string, headers: Record<string, string>) =>
      t.http.post<{ eventId?: string; duplicate?: boolean; statusCode?: number }>(
        '/webhooks/cxone/default',
        body,
        headers,
      );

    it('refuses a wrong signature, an old timestamp, another secret or none, and changes nothing', async () => {
      const [ana] = phones(1);
      const body = envelope('refused-1', ana, 'STOP');
      const answers = await Promise.all([
        push(body, { ...signed(body), 'x-cxone-signature': `sha256=${'0'.repeat(64)}` }),
        push(body, signed(body, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3600)),
        push(body, signed(body, 'another-secret-entirely')),
        push(body, { 'content-type': 'application/json' }),
        push(body, { 'content-type': 'application/json', authorization: 'Bearer wrong' }),
        push(body.replace('STOP', 'HELP'), signed(body)),
      ]);
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
      expect(await optedOut(ana)).toBe(false);
    });

    it('accepts an event once: the same event id again is answered 200 and changes nothing', async () => {
      const [ana] = phones(1);
      const body = envelope('once-1', ana, 'STOP');
      const first = await push(body, signed(body));
      expect([first.status, first.body.duplicate]).toEqual([202, false]);
      await eventually(() => optedOut(ana), Boolean, { what: 'the STOP processed' });
      // the customer opts back in; a replay of the old STOP (same id, freshly signed) must not opt them out again
      const start = envelope('once-2', ana, 'START');
      expect((await push(start, signed(start))).status).toBe(202);
      await eventually(async () => !(await optedOut(ana)), Boolean, { what: 'the START processed' });
      const replay = await push(body, signed(body));
      expect([replay.status, replay.body.duplicate]).toEqual([200, true]);
      const bearer = await push(body, {
        'content-type': 'application/json',
        authorization: `Bearer ${WEBHOOK_SECRET}`,
      });
      expect([bearer.status, bearer.body.duplicate]).toEqual([200, true]);
      expect(await optedOut(ana)).toBe(false);
    });

    it('refuses bad input with a 4xx in the one error shape', async () => {
      const bodies = ['{"eventId":', '{}', '{"eventId":"x","eventType":"MessageCreated"}', 'null', '[]'];
      const answers = await Promise.all(bodies.map((b) => push(b, signed(b))));
      expect(answers.map((a) => [a.status, a.body.statusCode])).toEqual(bodies.map(() => [400, 400]));
      const unknown = await t.http.post('/webhooks/cxone/00000000-0000-4000-8000-000000000000', '{}', signed('{}'));
      expect(unknown.status).toBe(404);
      const notUuid = await t.http.post('/webhooks/cxone/nope', '{}', signed('{}'));
      expect(notUuid.status).toBe(400);
    });
  });

  it('keeps the campaign counts in the campaign view', async () => {
    const [ana, bo, cy] = phones(3);
    const campaign = await send([ana, bo, cy]);
    await reply(ana, 'thanks');
    await reply(bo, 'STOP');
    await eventually(
      () => outcomes(campaign.id),
      (o) => o.replied === 2 && o.optedOut === 1,
      { what: 'two replies, one STOP' },
    );
    expect((await getCampaign(admin, campaign.id)).counts.sent).toBe(3);
    expect(await outcomes(campaign.id)).toEqual({ replied: 2, optedOut: 1, autoClosed: 0, replyRate: 0.6667 });

    // what exports the per-campaign gauges: running ones every sweep, finished ones once a minute or on a full sweep
    await t.app.get(SweeperService).sweep({ full: true });
    const exported = (await t.http.get('/metrics')).text
      .split('\n')
      .filter((line) => line.includes(`campaign="${campaign.id}"`) && /outcomes|reply_rate|status="sent"/.test(line));
    expect(exported.sort()).toEqual([
      `threadline_campaign_outcomes{campaign="${campaign.id}",outcome="auto_closed"} 0`,
      `threadline_campaign_outcomes{campaign="${campaign.id}",outcome="opted_out"} 1`,
      `threadline_campaign_outcomes{campaign="${campaign.id}",outcome="replied"} 2`,
      `threadline_campaign_recipients{campaign="${campaign.id}",status="sent"} 3`,
      `threadline_campaign_reply_rate{campaign="${campaign.id}"} ${2 / 3}`,
    ]);
  });

  describe('WhatsApp outside the 24-hour window', () => {
    let whatsapp: Channel;
    const fallbackTemplate = { name: 'flight_cancellation', language: 'en_US', parameters: { '1': 'BA123' } };
    const text = { type: 'TEXT', text: 'Your flight BA123 is cancelled. Reply HELP.' };
    type WaRequest = SimRequest & {
      body: { messageContent: { type: string; payload: { text?: string; elements?: Array<{ variables: unknown }> } } };
    };
    const waSentTo = async (address: string) =>
      ((await outboundTo(address)) as WaRequest[]).map((r) =>
        r.body.messageContent.type === 'TEXT'
          ? ['TEXT', r.body.messageContent.payload.text]
          : [r.body.messageContent.type, r.body.messageContent.payload.elements?.[0]?.variables],
      );

    beforeAll(async () => {
      whatsapp = await registerChannel(admin, 'whatsapp_threadline_dev', 'WHATSAPP');
      const registered = await admin.post('/api/v1/templates', {
        channelId: whatsapp.id,
        name: 'flight_cancellation',
        language: 'en_US',
        parameters: ['1', '2'],
      });
      expect(registered.status).toBe(201);
    });

    it('sends the fallback template to whoever is outside the window, the text to whoever wrote within it', async () => {
      const [ana, bo, cy] = phones(3);
      // Ana writes first: her message opens her window
      await sim.control.post('/sim/customer/reply', { channelId: 'whatsapp_threadline_dev', from: ana, text: 'Hi' });
      await eventually(
        async () =>
          (
            await admin.get<{ data: Array<{ channelId: string; contact: { address: string } }> }>(
              '/api/v1/threads?limit=200',
            )
          ).body.data,
        (threads) => threads.some((th) => th.channelId === whatsapp.id && th.contact.address === ana),
        { what: "Ana's WhatsApp message known to Threadline" },
      );

      const created = await createCampaign(admin, {
        channelId: whatsapp.id,
        content: text,
        fallbackTemplate,
        start: true,
        recipients: [
          { to: ana, name: 'Ana', parameters: { '2': 'Monday' } },
          { to: bo, parameters: { '2': 'Monday' } },
          { to: cy }, // cannot fill the fallback template: refused at intake
        ],
      });
      expect(created.intake).toMatchObject({ accepted: 2, rejected: 1, outsideWindow: 0, fallbackTemplate: 1 });
      const done = await waitForCampaign(admin, created.id);
      expect(done.counts).toMatchObject({ sent: 2, skippedWindow: 0, failed: 0 });
      expect({ ana: await waSentTo(ana), bo: await waSentTo(bo), cy: await waSentTo(cy) }).toEqual({
        ana: [['TEXT', text.text]],
        bo: [['PLUGIN', { '1': 'BA123', '2': 'Monday' }]],
        cy: [],
      });

      // Ana was known (by her message) before she was named: the alert's thread shows her name
      const threads = await admin.get<{ data: Array<{ contact: { address: string; displayName: string | null } }> }>(
        `/api/v1/threads?campaignId=${created.id}`,
      );
      expect(threads.body.data.map((th) => th.contact).find((c) => c.address === ana)).toEqual({
        address: ana,
        displayName: 'Ana',
      });

      // without a fallback template, free text to Bo (still outside his window) is never sent
      const plain = await createCampaign(admin, {
        channelId: whatsapp.id,
        content: text,
        start: true,
        recipients: [{ to: bo }],
      });
      expect((await waitForCampaign(admin, plain.id)).counts).toMatchObject({ skippedWindow: 1, sent: 0 });
      expect(await waSentTo(bo)).toHaveLength(1);
    });

    it('refuses a fallback template that does not fit: not WhatsApp text, or not registered', async () => {
      const onSms = await admin.post<{ message: string }>('/api/v1/campaigns', {
        name: 'x',
        channelId: sms.id,
        content: text,
        fallbackTemplate,
      });
      const unknown = await admin.post<{ message: string }>('/api/v1/campaigns', {
        name: 'x',
        channelId: whatsapp.id,
        content: text,
        fallbackTemplate: { name: 'nope', language: 'en_US' },
      });
      const notObject = await admin.post<{ message: string }>('/api/v1/campaigns', {
        name: 'x',
        channelId: whatsapp.id,
        content: text,
        fallbackTemplate: 'flight_cancellation',
      });
      expect([onSms, unknown, notObject].map((r) => [r.status, r.body.message])).toEqual([
        [
          400,
          'fallbackTemplate: a fallback template is for WHATSAPP channels with TEXT content; this is SMS with TEXT',
        ],
        [
          400,
          'fallbackTemplate: template nope (en_US) is not registered for this channel (POST /api/v1/templates or sync)',
        ],
        [400, expect.stringContaining('fallbackTemplate')],
      ]);
    });
  });
});
