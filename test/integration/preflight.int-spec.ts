import { Campaign, Channel, createCampaign, phones, registerChannel, waitForCampaign } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

interface Report {
  campaignId: string | null;
  received: number;
  wouldSend: number;
  duplicates: number;
  invalid: number;
  optedOut: number;
  outsideWindow: number;
  fallbackTemplate: number;
  invalidRows: Array<{ rowNumber: number; reason: string }>;
  estimate: { ratePerSecond: number; seconds: number; backlog: number; secondsWithBacklog: number };
  warnings: Array<{ code: string; field: string | null; message: string }>;
}

/**
 * The pre-flight report against the simulator: what a campaign would do (sent, skipped and why, how long it takes at
 * the contract rate, custom fields CXone does not define), for a dry run and for a stored draft, and that computing
 * it stores and sends nothing.
 */
describe('the pre-flight report', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;
  let whatsapp: Channel;

  const outboundCount = async (): Promise<number> =>
    (await sim.control.get<unknown[]>('/sim/requests?operation=outbound&limit=100000')).body.length;
  const campaignCount = async (): Promise<number> =>
    (await admin.get<{ data: unknown[] }>('/api/v1/campaigns?limit=200')).body.data.length;
  const optOut = async (address: string): Promise<void> => {
    expect((await admin.post('/api/v1/opt-outs', { channelId: sms.id, address })).status).toBeLessThan(300);
  };

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({ ...sim.appEnv, SWEEPER_INTERVAL_MS: '60000' });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
    whatsapp = await registerChannel(admin, 'whatsapp_threadline_dev', 'WHATSAPP');
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 40 });
    await admin.post('/api/v1/templates', {
      channelId: whatsapp.id,
      name: 'flight_cancellation',
      language: 'en_US',
      parameters: ['1', '2'],
    });
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('answers a dry run with what would happen, and stores and sends nothing', async () => {
    const [ana, bo, cy, dee] = phones(4);
    await optOut(cy);
    const body = {
      name: 'storm',
      channelId: sms.id,
      content: { type: 'TEXT', text: 'Your flight is cancelled' },
      customFields: { alert_type: 'flight_cancelation', booking_ref: 'X1' }, // a typo in a list value
      start: true,
      recipients: [
        { to: ana },
        { to: bo, customFields: { routing_skil: 'gold' } }, // not defined in CXone
        { to: cy },
        { to: 'not a phone' },
        { to: ana },
        { to: dee },
      ],
    };
    const [campaignsBefore, outboundBefore] = [await campaignCount(), await outboundCount()];

    const dry = await admin.post<Report>('/api/v1/campaigns?dryRun=true', body);
    const preview = await admin.post<Report>('/api/v1/campaigns/preflight', body);

    expect(dry.status).toBe(200);
    expect(preview.body).toEqual(dry.body);
    expect(dry.body).toEqual({
      campaignId: null,
      received: 6,
      wouldSend: 3,
      duplicates: 1,
      invalid: 1,
      optedOut: 1,
      outsideWindow: 0,
      fallbackTemplate: 0,
      invalidRows: [{ rowNumber: 4, reason: expect.stringContaining('to:') as string }],
      estimate: { ratePerSecond: 40, seconds: 1, backlog: 0, secondsWithBacklog: 1 },
      warnings: [
        {
          code: 'CUSTOM_FIELD_VALUE_NOT_IN_LIST',
          field: 'customFields.alert_type',
          message: expect.stringContaining('"flight_cancelation" not among') as string,
        },
        {
          code: 'CUSTOM_FIELD_UNDEFINED',
          field: 'customFields.routing_skil',
          message: expect.stringContaining('CXone defines no contact custom field "routing_skil"') as string,
        },
      ],
    });
    expect({ campaigns: await campaignCount(), outbound: await outboundCount() }).toEqual({
      campaigns: campaignsBefore,
      outbound: outboundBefore,
    });
  });

  it('tells WhatsApp recipients outside the window apart: skipped, or covered by the fallback template', async () => {
    const recipients = phones(3).map((to) => ({ to, parameters: { '2': 'Monday' } }));
    const base = { name: 'wa', channelId: whatsapp.id, content: { type: 'TEXT', text: 'Hello' }, recipients };
    const without = (await admin.post<Report>('/api/v1/campaigns/preflight', base)).body;
    const withFallback = (
      await admin.post<Report>('/api/v1/campaigns/preflight', {
        ...base,
        fallbackTemplate: { name: 'flight_cancellation', language: 'en_US', parameters: { '1': 'BA1' } },
      })
    ).body;
    expect([without, withFallback].map((r) => [r.wouldSend, r.outsideWindow, r.fallbackTemplate])).toEqual([
      [0, 3, 0],
      [3, 0, 3],
    ]);
  });

  it("reports a stored draft against today's opt-outs, before it is started", async () => {
    const [ana, bo, cy] = phones(3);
    const draft = await createCampaign(admin, { channelId: sms.id });
    const csv = `to,field.booking_ref\n${ana},X1\n${bo},X2\nnonsense,X3\n${cy},X4\n`;
    const uploaded = await admin.post(`/api/v1/campaigns/${draft.id}/recipients`, csv, { 'content-type': 'text/csv' });
    expect(uploaded.status).toBe(202);
    await optOut(bo); // after the upload: the draft's row is still PENDING

    const report = await admin.get<Report>(`/api/v1/campaigns/${draft.id}/preflight`);

    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      campaignId: draft.id,
      received: 4,
      wouldSend: 2,
      invalid: 1,
      optedOut: 1,
      invalidRows: [{ rowNumber: 3 }],
      warnings: [],
    });
    const started = await admin.post<Campaign>(`/api/v1/campaigns/${draft.id}/start`);
    expect(started.status).toBe(200);
    expect((await waitForCampaign(admin, draft.id)).counts).toMatchObject({ sent: 2, skippedOptedOut: 1 });
  });

  it("counts the account's other running campaigns in the estimate", async () => {
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 1 });
    const running = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: phones(30).map((to) => ({ to })),
    });
    try {
      const report = await eventually(
        async () =>
          (
            await admin.post<Report>('/api/v1/campaigns/preflight', {
              name: 'next',
              channelId: sms.id,
              content: { type: 'TEXT', text: 'x' },
              recipients: phones(10).map((to) => ({ to })),
            })
          ).body,
        (r) => r.estimate.backlog > 0,
        { what: 'a backlog from the running campaign' },
      );
      expect(report.estimate).toEqual({
        ratePerSecond: 1,
        seconds: 10,
        backlog: report.estimate.backlog,
        secondsWithBacklog: 10 + report.estimate.backlog,
      });
      expect(report.estimate.backlog).toBeLessThanOrEqual(30);
    } finally {
      await admin.post(`/api/v1/campaigns/${running.id}/cancel`);
      await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 40 });
    }
  });

  it('refuses bad input with a 4xx in the one error shape', async () => {
    const good = { name: 'x', channelId: sms.id, content: { type: 'TEXT', text: 'x' } };
    const answers = await Promise.all([
      admin.post('/api/v1/campaigns?dryRun=maybe', good),
      admin.post('/api/v1/campaigns/preflight', { ...good, channelId: 'nope' }),
      admin.post('/api/v1/campaigns/preflight', null),
      admin.get('/api/v1/campaigns/nope/preflight'),
      admin.get('/api/v1/campaigns/00000000-0000-4000-8000-000000000000/preflight'),
    ]);
    expect(answers.map((a) => [a.status, (a.body as { statusCode?: number }).statusCode])).toEqual([
      [400, 400],
      [400, 400],
      [400, 400],
      [400, 400],
      [404, 404],
    ]);
    const unauthenticated = await t.http.post('/api/v1/campaigns/preflight', good);
    expect(unauthenticated.status).toBe(401);
  });
});
