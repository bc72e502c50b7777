import { PrismaService } from '@/infra/prisma/prisma.service';
import { INTAKE_SLICE } from '@/modules/campaigns/campaign-intake';
import { ApiKeysService, OPERATOR } from '@/modules/auth/api-keys.service';
import { SweeperService } from '@/modules/dispatch/sweeper.service';
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

interface SimRequest {
  operation: string;
  /** null: the simulator cut the connection instead of answering */
  status: number | null;
  at: number;
  body?: {
    idOnExternalPlatform?: string;
    contact?: { customFields?: Array<{ ident: string; value: string }> };
    recipients?: Array<{ idOnExternalPlatform: string }>;
  };
}

interface ErrorBody {
  statusCode: number;
  message: string;
  details?: unknown;
}

describe('proactive campaigns through the simulator', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;
  let adminKey: string;
  const adminAuthorization = (): string => `Bearer ${adminKey}`;

  const outbound = async (): Promise<SimRequest[]> =>
    (await sim.control.get<SimRequest[]>('/sim/requests?operation=outbound')).body;
  const accepted = async (): Promise<SimRequest[]> => (await outbound()).filter((r) => r.status === 200);

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({ ...sim.appEnv, DISPATCH_CONCURRENCY: '20', SWEEPER_INTERVAL_MS: '60000' });
    admin = await t.clientWithScopes('admin');
    adminKey = (await t.app.get(ApiKeysService).create({ name: 'sse', scopes: ['admin'] }, OPERATOR)).key;
    sms = await registerChannel(admin, 'sms_threadline_dev');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });
  beforeEach(async () => {
    await sim.control.post('/sim/reset');
    await sim.control.patch('/sim/config', { outboundRatePerSecond: 1000 });
  });

  it('sends every recipient exactly once, as the first message of its own thread, with the routing custom fields', async () => {
    const to = phones(30);
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      customFields: { alert_type: 'flight_cancellation' },
      start: true,
      recipients: to.map((phone, i) => ({
        to: phone,
        ...(i === 0 ? { customFields: { booking_ref: 'X7Q2LM' } } : {}),
      })),
    });
    expect(campaign.intake).toEqual({
      received: 30,
      accepted: 30,
      duplicates: 0,
      rejected: 0,
      optedOut: 0,
      outsideWindow: 0,
      fallbackTemplate: 0,
    });

    const done = await waitForCampaign(admin, campaign.id);

    expect(done.counts).toMatchObject({ total: 30, sent: 30, failed: 0 });
    const requests = await accepted();
    expect(requests).toHaveLength(30);
    expect(new Set(requests.map((r) => r.body?.idOnExternalPlatform)).size).toBe(30);
    expect(new Set(requests.map((r) => r.body?.recipients?.[0]?.idOnExternalPlatform))).toEqual(new Set(to));
    const first = requests.find((r) => r.body?.recipients?.[0]?.idOnExternalPlatform === to[0])!;
    expect(first.body?.contact?.customFields).toEqual(
      expect.arrayContaining([
        { ident: 'alert_type', value: 'flight_cancellation' },
        { ident: 'booking_ref', value: 'X7Q2LM' },
      ]),
    );

    const recipients = await allRecipients(admin, campaign.id);
    const notSentWithIds = recipients.filter(
      (r) => r.status !== 'SENT' || !/^\d{16}$/.test(r.cxoneContactId ?? '') || !r.cxoneMessageId,
    );
    expect(notSentWithIds).toEqual([]);
    const threads = await t.app
      .get(PrismaService)
      .thread.findMany({ where: { campaignId: campaign.id }, include: { messages: true } });
    expect(threads).toHaveLength(30);
    const notAwaitingWithAlert = threads
      .map((th) => ({ id: th.id, origin: th.origin, status: th.status, messages: th.messages.length }))
      .filter((th) => th.origin !== 'PROACTIVE' || th.status !== 'AWAITING_REPLY' || th.messages !== 1);
    expect(notAwaitingWithAlert).toEqual([]);
    expect(threads.map((th) => th.idOnExternalPlatform).sort()).toEqual(
      recipients.map((r) => r.threadExternalId).sort(),
    );
  });

  it('shows each sent alert as the first message of its conversation, with its CXone ids', async () => {
    const [to] = phones(1);
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      content: { type: 'TEXT', text: 'Your flight BA123 is cancelled. Reply HELP to rebook.' },
      recipients: [{ to, name: 'Ana' }],
    });
    await waitForCampaign(admin, campaign.id);
    const [recipient] = await allRecipients(admin, campaign.id);

    const page = await admin.get<{ data: Array<{ id: string }>; nextCursor: string | null }>(
      `/api/v1/threads?campaignId=${campaign.id}`,
    );
    expect(page.body.data).toHaveLength(1);
    // a recipient's conversation, found by its threadExternalId (what the console's recipients table links to)
    const byExternalId = async (id: string): Promise<string[]> =>
      (await admin.get<{ data: Array<{ id: string }> }>(`/api/v1/threads?idOnExternalPlatform=${id}`)).body.data.map(
        (th) => th.id,
      );
    expect(await byExternalId(recipient.threadExternalId)).toEqual([page.body.data[0].id]);
    expect(await byExternalId(`${recipient.threadExternalId}x`)).toEqual([]);
    const thread = await admin.get<Record<string, unknown>>(`/api/v1/threads/${page.body.data[0].id}`);
    expect(thread.body).toMatchObject({
      origin: 'PROACTIVE',
      status: 'AWAITING_REPLY',
      campaignId: campaign.id,
      idOnExternalPlatform: recipient.threadExternalId,
      cxoneContactId: recipient.cxoneContactId,
      contact: { address: to, displayName: 'Ana' },
      messages: [
        {
          direction: 'OUTBOUND',
          author: 'SYSTEM',
          status: 'SENT',
          cxoneMessageId: recipient.cxoneMessageId,
          content: { type: 'TEXT', text: 'Your flight BA123 is cancelled. Reply HELP to rebook.' },
        },
      ],
    });
    expect((await admin.get(`/api/v1/threads/${campaign.id}`)).status).toBe(404);
  });

  it('rides out a 429 storm without losing, duplicating or spending attempts on anyone', async () => {
    await sim.control.patch('/sim/config', { outboundRatePerSecond: 8 });
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      // enough for several bursts of 429s (the margin widens on a burst that follows another, not on the first)
      recipients: phones(48).map((to) => ({ to })),
    });

    const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);

    expect(done.counts).toMatchObject({ total: 48, sent: 48 });
    const requests = await outbound();
    const refused = requests.filter((r) => r.status === 429).length;
    expect(refused).toBeGreaterThan(0);
    const ok = requests.filter((r) => r.status === 200);
    expect(ok).toHaveLength(48);
    expect(new Set(ok.map((r) => r.body?.idOnExternalPlatform)).size).toBe(48);
    const recipients = await allRecipients(admin, campaign.id);
    // every 429 was counted against the recipient it answered, and none of them cost an attempt
    expect(recipients.reduce((sum, r) => sum + r.rateLimitedCount, 0)).toBe(refused);
    // and the campaign's progress adds them up (what the console charts as 429s)
    const read = await admin.get<{ progress: { rateLimited: number } }>(`/api/v1/campaigns/${campaign.id}`);
    expect(read.body.progress.rateLimited).toBe(refused);
    const spentOrFailed = recipients.filter((r) => r.attempts !== 1 || r.failureReason !== null);
    expect(spentOrFailed).toEqual([]);
    // and the account's rate-limit margin learned from them: wider than the configured 20 ms
    const metrics = await t.http.get<string>('/metrics');
    const margin = /threadline_dispatch_rate_limit_margin_ms\{account="[^"]+"\} (\d+)/.exec(String(metrics.body));
    expect(Number(margin?.[1])).toBeGreaterThan(20);
  });

  it('retries 5xx bursts and lost answers with backoff: nothing lost, nothing stored twice', async () => {
    await sim.control.post('/sim/faults', { kind: '5xx', count: 6, operation: 'outbound' });
    await sim.control.post('/sim/faults', { kind: 'drop', count: 4, operation: 'outbound' });
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: phones(20).map((to) => ({ to })),
    });

    const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);

    expect(done.counts).toMatchObject({ total: 20, sent: 20, failed: 0 });
    const stored = (await sim.control.get<Array<{ direction: string }>>('/sim/messages?channelId=sms_threadline_dev'))
      .body;
    expect(stored).toHaveLength(20);
    const recipients = await allRecipients(admin, campaign.id);
    expect(recipients.filter((r) => r.attempts > 1).length).toBeGreaterThanOrEqual(1);
    // each retry waited its backoff: at least half of the first ceiling (1 s) after the failure it answers
    const requests = (await outbound()).sort((a, b) => a.at - b.at);
    const tooSoon = requests
      .filter((r) => r.status === null || r.status >= 500)
      .map((failure) => {
        const retry = requests.find(
          (r) => r.at > failure.at && r.body?.idOnExternalPlatform === failure.body?.idOnExternalPlatform,
        );
        return { id: failure.body?.idOnExternalPlatform, waitedMs: retry ? Math.round(retry.at - failure.at) : null };
      })
      .filter((f) => f.waitedMs === null || f.waitedMs < 490);
    expect(tooSoon).toEqual([]);
  });

  it('fails a recipient at once, with CXone’s error, when CXone rejects the request', async () => {
    const ghost = await registerChannel(admin, 'no_such_channel_in_cxone');
    const campaign = await createCampaign(admin, {
      channelId: ghost.id,
      start: true,
      recipients: phones(3).map((to) => ({ to })),
    });

    const done = await waitForCampaign(admin, campaign.id);

    expect(done.counts).toMatchObject({ total: 3, failed: 3 });
    const recipients = await allRecipients(admin, campaign.id);
    const notRejectedAtOnce = recipients.filter(
      (r) => r.failureReason !== 'REJECTED' || r.attempts !== 1 || !/404/.test(r.lastError ?? ''),
    );
    expect(notRejectedAtOnce).toEqual([]);
    // the recipients listing finds them by failure reason and by CXone's error text (case ignored; % and _ literal)
    const found = async (query: string) =>
      (await admin.get<{ data: unknown[] }>(`/api/v1/campaigns/${campaign.id}/recipients?${query}`)).body.data.length;
    const error = recipients[0].lastError!.match(/404/)![0];
    expect({
      rejected: await found('failureReason=REJECTED'),
      transient: await found('failureReason=TRANSIENT'),
      byError: await found(`error=${encodeURIComponent(error)}`),
      byErrorAndStatus: await found(`status=FAILED&error=${encodeURIComponent(error)}`),
      wildcard: await found('error=%25'),
      noMatch: await found('error=nothing%20like%20this'),
      badReason: (await admin.get(`/api/v1/campaigns/${campaign.id}/recipients?failureReason=NOPE`)).status,
    }).toEqual({ rejected: 3, transient: 0, byError: 3, byErrorAndStatus: 3, wildcard: 0, noMatch: 0, badReason: 400 });
    const retry = await admin.post<{ requeued: number }>(`/api/v1/campaigns/${campaign.id}/retry-failed`);
    expect(retry.body.requeued).toBe(0);
  });

  it('pauses (nothing more is sent), resumes to completion, and cancels for good', async () => {
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 10 });
    try {
      const campaign = await createCampaign(admin, {
        channelId: sms.id,
        start: true,
        recipients: phones(20).map((to) => ({ to })),
      });
      await eventually(
        () => getCampaign(admin, campaign.id),
        (c) => c.counts.sent >= 3,
        { what: 'first sends' },
      );

      const paused = await admin.post<Campaign>(`/api/v1/campaigns/${campaign.id}/pause`);
      expect(paused.status).toBe(200);
      expect(paused.body.status).toBe('PAUSED');
      // messages already past their rate slot may still land; after that, silence
      const settled = await eventually(
        () => getCampaign(admin, campaign.id),
        (c) => c.counts.sending === 0 && c.counts.queued === 0,
        {
          what: 'in-flight sends to finish',
        },
      );
      const sentWhenPaused = (await accepted()).length;
      await new Promise((r) => setTimeout(r, 1500)); // the absence of sends over time is the behaviour under test
      expect((await accepted()).length).toBe(sentWhenPaused);
      expect((await getCampaign(admin, campaign.id)).counts.sent).toBe(settled.counts.sent);

      expect((await admin.post(`/api/v1/campaigns/${campaign.id}/pause`)).status).toBe(409);
      await admin.post(`/api/v1/campaigns/${campaign.id}/resume`);
      const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);
      expect(done.counts).toMatchObject({ total: 20, sent: 20 });
      expect(new Set((await accepted()).map((r) => r.body?.idOnExternalPlatform)).size).toBe(20);

      const other = await createCampaign(admin, {
        channelId: sms.id,
        start: true,
        recipients: phones(20).map((to) => ({ to })),
      });
      await eventually(
        () => getCampaign(admin, other.id),
        (c) => c.counts.sent >= 2,
        { what: 'first sends' },
      );
      const cancelled = (await admin.post<Campaign>(`/api/v1/campaigns/${other.id}/cancel`)).body;
      expect(cancelled.status).toBe('CANCELLED');
      const final = await eventually(
        () => getCampaign(admin, other.id),
        (c) => c.counts.sending === 0,
        { what: 'in-flight sends' },
      );
      expect(final.counts.sent + final.counts.cancelled).toBe(20);
      expect(final.counts.cancelled).toBeGreaterThan(0);
      expect((await admin.post(`/api/v1/campaigns/${other.id}/resume`)).status).toBe(409);
    } finally {
      await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 40 });
    }
  });

  it('streams progress as Server-Sent Events until the campaign ends', async () => {
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: phones(10).map((to) => ({ to })),
    });
    const response = await fetch(new URL(`/api/v1/campaigns/${campaign.id}/progress`, t.http.baseUrl), {
      headers: { authorization: adminAuthorization() },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text(); // the server ends the stream after the final state
    const events = text
      .split('\n\n')
      .filter((block) => block.includes('data:'))
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) as Campaign,
      }));
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.map((e) => e.event)).toEqual(events.map(() => 'progress'));
    expect(events[events.length - 1].data).toMatchObject({
      id: campaign.id,
      status: 'COMPLETED',
      counts: { sent: 10 },
    });
  });

  it('creates nothing new for a repeated Idempotency-Key', async () => {
    const body = {
      name: 'once',
      channelId: sms.id,
      content: { type: 'TEXT', text: 'hi' },
      recipients: phones(2).map((to) => ({ to })),
    };
    const first = await admin.post<Campaign>('/api/v1/campaigns', body, { 'idempotency-key': 'campaign-once' });
    const again = await admin.post<Campaign>('/api/v1/campaigns', body, { 'idempotency-key': 'campaign-once' });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    const listed = (await admin.get<{ data: Array<{ name: string }> }>('/api/v1/campaigns?limit=200')).body.data;
    expect(listed.filter((c) => c.name === 'once')).toHaveLength(1);
    const changed = await admin.post(
      '/api/v1/campaigns',
      { ...body, name: 'twice' },
      { 'idempotency-key': 'campaign-once' },
    );
    expect(changed.status).toBe(422);
  });

  it('never messages anyone who opted out, before intake or after it', async () => {
    const [before, after, other] = phones(3);
    await admin.post('/api/v1/opt-outs', { channelId: sms.id, address: before, reason: 'texted STOP' });
    const draft = await createCampaign(admin, {
      channelId: sms.id,
      recipients: [before, after, other].map((to) => ({ to })),
    });
    expect(draft.status).toBe('DRAFT');
    expect(draft.intake).toMatchObject({ accepted: 2, optedOut: 1 });
    await admin.post('/api/v1/opt-outs', { channelId: sms.id, address: after });

    await admin.post(`/api/v1/campaigns/${draft.id}/start`);
    const done = await waitForCampaign(admin, draft.id);

    expect(done.counts).toMatchObject({ sent: 1, skippedOptedOut: 2 });
    const to = (await accepted()).map((r) => r.body?.recipients?.[0]?.idOnExternalPlatform);
    expect(to).toContain(other);
    expect(to).not.toContain(before);
    expect(to).not.toContain(after);
    const optOuts = (await admin.get<{ data: Array<{ address: string }> }>(`/api/v1/opt-outs?channelId=${sms.id}`)).body
      .data;
    expect(optOuts.map((o) => o.address)).toEqual(expect.arrayContaining([before, after]));
  });

  describe('WhatsApp', () => {
    let whatsapp: Channel;
    beforeAll(async () => {
      whatsapp = await registerChannel(admin, 'whatsapp_threadline_dev', 'WHATSAPP');
      await admin.post('/api/v1/templates', {
        channelId: whatsapp.id,
        name: 'flight_cancellation',
        language: 'en_US',
        parameters: ['1', '2'],
      });
    });

    it('skips free text to customers outside the 24-hour window', async () => {
      const campaign = await createCampaign(admin, {
        channelId: whatsapp.id,
        start: true,
        recipients: phones(2).map((to) => ({ to })),
      });
      expect(campaign.intake).toMatchObject({ outsideWindow: 2 });
      const done = await waitForCampaign(admin, campaign.id);
      expect(done.counts).toMatchObject({ skippedWindow: 2, sent: 0 });
      expect(await accepted()).toHaveLength(0);
    });

    it('sends approved templates with per-recipient parameters', async () => {
      const [a, b] = phones(2);
      const campaign = await createCampaign(admin, {
        channelId: whatsapp.id,
        start: true,
        content: {
          type: 'TEMPLATE',
          template: { name: 'flight_cancellation', language: 'en_US', parameters: { '1': 'BA123' } },
        },
        recipients: [
          { to: a, parameters: { '2': 'Monday' } },
          { to: b, parameters: ['BA999', 'Friday'] },
          { to: phones(1)[0] },
        ],
      });
      expect(campaign.intake).toMatchObject({ accepted: 2, rejected: 1 });
      const done = await waitForCampaign(admin, campaign.id);
      expect(done.counts).toMatchObject({ sent: 2 });
      const sent = (await accepted()) as unknown as Array<{
        body: { messageContent: { payload: { elements: Array<{ variables: Record<string, string> }> } } } & SimRequest;
      }>;
      expect(sent.map((r) => r.body.messageContent.payload.elements[0].variables)).toEqual(
        expect.arrayContaining([
          { '1': 'BA123', '2': 'Monday' },
          { '1': 'BA999', '2': 'Friday' },
        ]),
      );
    });

    it('imports the templates CXone lists for the channel', async () => {
      const synced = await admin.post<{ imported: number }>(`/api/v1/channels/${whatsapp.id}/templates/sync`);
      expect(synced.status).toBe(200);
      expect(synced.body.imported).toBeGreaterThanOrEqual(2);
      const listed = (
        await admin.get<Array<{ name: string; parameters: string[] }>>(`/api/v1/templates?channelId=${whatsapp.id}`)
      ).body;
      expect(listed).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'appointment_reminder', parameters: ['1', '2', '3'] }),
        ]),
      );
    });

    it('answers 409, not a 5xx, when syncing templates of a channel CXone does not know', async () => {
      const unknown = await registerChannel(admin, 'whatsapp_nobody_knows', 'WHATSAPP');
      const res = await admin.post<ErrorBody>(`/api/v1/channels/${unknown.id}/templates/sync`);
      expect({ status: res.status, message: res.body.message }).toEqual({
        status: 409,
        message: "CXone has no channel whatsapp_nobody_knows: check the channel's cxoneChannelId",
      });
    });

    it('refuses a template that is not registered for the channel', async () => {
      const res = await admin.post<ErrorBody>('/api/v1/campaigns', {
        name: 'x',
        channelId: whatsapp.id,
        content: { type: 'TEMPLATE', template: { name: 'unknown_template', language: 'en_US' } },
      });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        { field: 'content.template.name', problems: [expect.stringContaining('not registered') as string] },
      ]);
    });
  });

  describe('intake', () => {
    it('answers 400 naming the field for a malformed campaign', async () => {
      const res = await admin.post<ErrorBody>('/api/v1/campaigns', {
        name: 'x',
        channelId: sms.id,
        content: { type: 'AUDIO' },
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.details)).toContain('content.type');
      const noChannel = await admin.post<ErrorBody>('/api/v1/campaigns', {
        name: 'x',
        channelId: '00000000-0000-4000-8000-000000000000',
        content: { type: 'TEXT', text: 'hi' },
      });
      expect(noChannel.status).toBe(404);
    });

    it('reports rejected rows and duplicates, and offers the rejected rows for download', async () => {
      const [a, b] = phones(2);
      const campaign = await createCampaign(admin, {
        channelId: sms.id,
        recipients: [{ to: a }, { to: 'not a number' }, { to: a }, { to: b, customFields: { 'bad key': 'x' } }, 42],
      });
      expect(campaign.intake).toEqual({
        received: 5,
        accepted: 1,
        duplicates: 1,
        rejected: 3,
        optedOut: 0,
        outsideWindow: 0,
        fallbackTemplate: 0,
      });
      const csv = await admin.get(`/api/v1/campaigns/${campaign.id}/rejected-rows`);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const lines = csv.text.trim().split('\n');
      expect(lines[0]).toBe('row,reason,input');
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['2', '4', '5']);
    });

    it('checks and stores a campaign bigger than one intake slice: repeats, bad rows and opt-outs of every slice, in order', async () => {
      const to = phones(INTAKE_SLICE * 2 + 100);
      const optedOut = to[INTAKE_SLICE + 7];
      await admin.post('/api/v1/opt-outs', { channelId: sms.id, address: optedOut, reason: 'texted STOP' });
      const rows: unknown[] = to.map((address) => ({ to: address }));
      rows.splice(INTAKE_SLICE + 10, 0, { to: to[0] }); // a repeat, in the second slice, of the first row
      rows.splice(INTAKE_SLICE * 2 + 50, 0, { to: 'not a number' }); // row INTAKE_SLICE * 2 + 51, in the third
      const campaign = await createCampaign(admin, { channelId: sms.id, recipients: rows });
      expect(campaign.intake).toEqual({
        received: to.length + 2,
        accepted: to.length - 1,
        duplicates: 1,
        rejected: 1,
        optedOut: 1,
        outsideWindow: 0,
        fallbackTemplate: 0,
      });
      expect(campaign.counts).toMatchObject({ total: to.length, pending: to.length - 1, skippedOptedOut: 1 });
      const stored = await t.app
        .get(PrismaService)
        .pool.query<{ address: string; status: string }>(
          'SELECT address, status FROM campaign_recipient WHERE campaign_id = $1 ORDER BY seq',
          [campaign.id],
        );
      expect(stored.rows.map((r) => r.address)).toEqual(to);
      expect(stored.rows.filter((r) => r.status !== 'PENDING')).toEqual([
        { address: optedOut, status: 'SKIPPED_OPTED_OUT' },
      ]);
      const csv = await admin.get(`/api/v1/campaigns/${campaign.id}/rejected-rows`);
      expect(
        csv.text
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',')[0]),
      ).toEqual([String(INTAKE_SLICE * 2 + 51)]);
    });

    it('streams a long rejected-rows download page by page, every row once and in order', async () => {
      const campaign = await createCampaign(admin, { channelId: sms.id, recipients: [] });
      const csv = `to\n${Array.from({ length: 2500 }, (_, i) => `bad-${i}`).join('\n')}\n`;
      const uploaded = await admin.post<Campaign>(`/api/v1/campaigns/${campaign.id}/recipients`, csv, {
        'content-type': 'text/csv',
      });
      expect(uploaded.body.intake).toMatchObject({ rejected: 2500 });
      const download = await admin.get(`/api/v1/campaigns/${campaign.id}/rejected-rows`);
      expect(download.headers.get('content-disposition')).toBe(
        `attachment; filename="rejected-rows-${campaign.id}.csv"`,
      );
      const rows = download.text.trim().split('\n').slice(1);
      const numbers = rows.map((l) => Number(l.split(',')[0]));
      const expected = Array.from({ length: 2500 }, (_, i) => i + 1);
      expect(numbers.filter((n, i) => n !== expected[i]).slice(0, 5)).toEqual([]);
      expect(numbers).toHaveLength(2500);
    });

    it('takes a streamed CSV upload, validates each row and adds only new addresses', async () => {
      const campaign = await createCampaign(admin, { channelId: sms.id, recipients: [] });
      const [a, b, c] = phones(3);
      const csv = `to,name,field.booking_ref\n${a},Ana,X1\n${b},,X2\nnonsense,,\n${a},Again,X3\n`;
      const first = await admin.post<Campaign>(`/api/v1/campaigns/${campaign.id}/recipients`, csv, {
        'content-type': 'text/csv',
      });
      expect(first.status).toBe(202);
      expect(first.body.intake).toEqual({
        received: 4,
        accepted: 2,
        duplicates: 1,
        rejected: 1,
        optedOut: 0,
        outsideWindow: 0,
        fallbackTemplate: 0,
      });

      const second = await admin.post<Campaign>(`/api/v1/campaigns/${campaign.id}/recipients`, `phone\n${b}\n${c}\n`, {
        'content-type': 'text/csv',
      });
      expect(second.body.intake).toMatchObject({ received: 2, accepted: 1, duplicates: 1 });
      expect(second.body.counts.total).toBe(3);

      const badHeader = await admin.post<ErrorBody>(
        `/api/v1/campaigns/${campaign.id}/recipients`,
        'mobile,name\n+1,x\n',
        { 'content-type': 'text/csv' },
      );
      expect(badHeader.status).toBe(400);
      expect(badHeader.body.message).toContain('unknown CSV column "mobile"');
    });

    it('starts a scheduled campaign at its time, not before', async () => {
      const scheduledAt = Date.now() + 1500;
      const campaign = await createCampaign(admin, {
        channelId: sms.id,
        scheduledAt: new Date(scheduledAt).toISOString(),
        recipients: phones(2).map((to) => ({ to })),
      });
      expect(campaign.status).toBe('SCHEDULED');
      expect((await accepted()).length).toBe(0);
      const done = await waitForCampaign(admin, campaign.id);
      expect(done.counts.sent).toBe(2);
      // CXone received the first message at the scheduled time or after it (both clocks are this machine's)
      const arrivals = (await accepted()).map((r) => Math.round(r.at - scheduledAt));
      expect(arrivals.filter((msAfter) => msAfter < 0)).toEqual([]);
      expect(arrivals).toHaveLength(2);
    });
  });

  describe('the sweeper', () => {
    it('re-queues recipients whose jobs were lost (process died after commit, or Redis was flushed)', async () => {
      const campaign = await createCampaign(admin, { channelId: sms.id, recipients: phones(5).map((to) => ({ to })) });
      // As if the process died between committing QUEUED and adding the jobs: rows queued, no jobs anywhere.
      const prisma = t.app.get(PrismaService);
      await prisma.campaign.update({ where: { id: campaign.id }, data: { status: 'RUNNING' } });
      await prisma.campaignRecipient.updateMany({
        where: { campaignId: campaign.id },
        data: { status: 'QUEUED', generation: 1, updatedAt: new Date(Date.now() - 10 * 60_000) },
      });

      const report = await t.app.get(SweeperService).sweep();

      expect(report.readded).toBe(5);
      const done = await waitForCampaign(admin, campaign.id);
      expect(done.counts.sent).toBe(5);
    });
  });

  describe('single messages', () => {
    it('sends one message and shows its state and CXone ids', async () => {
      const [to] = phones(1);
      const res = await admin.post<{ id: string; status: string }>('/api/v1/messages', {
        channelId: sms.id,
        to,
        content: { type: 'TEXT', text: 'Suspicious payment of $900: reply YES if it was you' },
        customFields: { alert_type: 'fraud_alert' },
      });
      expect(res.status).toBe(202);
      const sent = await eventually(
        async () =>
          (
            await admin.get<{ status: string; cxoneContactId: string | null; cxoneMessageId: string | null }>(
              `/api/v1/messages/${res.body.id}`,
            )
          ).body,
        (m) => m.status === 'SENT',
        { what: 'the message to be sent' },
      );
      expect(sent.cxoneContactId).toMatch(/^\d{16}$/);
      expect(sent.cxoneMessageId).toBeTruthy();
    });

    it('answers 400 naming "to" for an invalid number', async () => {
      const res = await admin.post<ErrorBody>('/api/v1/messages', {
        channelId: sms.id,
        to: '12345',
        content: { type: 'TEXT', text: 'x' },
      });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        { field: 'to', problems: [expect.stringContaining('international format') as string] },
      ]);
    });
  });
});

describe('when retries run out', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;

  beforeAll(async () => {
    sim = await startSimulator();
    t = await startTestApp({ ...sim.appEnv, DISPATCH_MAX_ATTEMPTS: '2' });
    admin = await t.clientWithScopes('admin');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('marks recipients FAILED (a dead letter) with the last error, and retry-failed sends them once CXone is back', async () => {
    const sms = await registerChannel(admin, 'sms_threadline_dev');
    await sim.control.post('/sim/faults', { kind: '5xx', count: 1000, operation: 'outbound', status: 503 });
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: phones(3).map((to) => ({ to })),
    });

    const failed = await waitForCampaign(admin, campaign.id, 'COMPLETED', 30_000);
    expect(failed.counts).toMatchObject({ failed: 3 });
    const dead = await allRecipients(admin, campaign.id);
    const notDeadLetters = dead.filter(
      (r) => r.failureReason !== 'TRANSIENT' || r.attempts !== 2 || !/503/.test(r.lastError ?? ''),
    );
    expect(notDeadLetters).toEqual([]);

    await sim.control.delete('/sim/faults');
    const retry = await admin.post<{ requeued: number }>(`/api/v1/campaigns/${campaign.id}/retry-failed`);
    expect(retry.body.requeued).toBe(3);
    const done = await waitForCampaign(admin, campaign.id);
    expect(done.counts).toMatchObject({ sent: 3, failed: 0 });
  });
});
