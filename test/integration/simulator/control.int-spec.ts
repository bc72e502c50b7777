import type { DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { SimulatorHarness, SMS, startSimulator, templateOutbound, textOutbound } from './simulator-harness';

const CONTROL_TOKEN = 'control-token-for-tests-0123456789';
const mentionsControlToken: unknown = expect.stringContaining('SIMULATOR_CONTROL_TOKEN');

describe('CXone simulator: control API', () => {
  let sim: SimulatorHarness;

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_CONTROL_TOKEN: CONTROL_TOKEN });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('needs the control token when one is configured; /health and DFO do not', async () => {
    const without = await sim.http.get('/sim/stats');
    const wrong = await sim.http.get('/sim/stats', { authorization: 'Bearer nope' });
    const withToken = await sim.control.get('/sim/stats');
    const health = await sim.http.get<{ status: string }>('/health');
    const dfo = await (await sim.dfo()).get('/dfo/3.0/channels');
    const clockWithout = await sim.http.post('/sim/clock', { advanceMs: 60_000 });
    const clock = await sim.control.get<{ offsetMs: number }>('/sim/clock');

    expect(without.status).toBe(401);
    expect(without.body).toMatchObject({
      statusCode: 401,
      message: mentionsControlToken,
    });
    expect(wrong.status).toBe(401);
    expect(withToken.status).toBe(200);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect(dfo.status).toBe(200);
    expect(clockWithout.status).toBe(401);
    expect(clock.body.offsetMs).toBe(0);
  });

  it('shows the settings with secrets masked, and patches them with validation', async () => {
    const shown = await sim.control.get<Record<string, unknown>>('/sim/config');
    const patched = await sim.control.request<Record<string, unknown>>('PATCH', '/sim/config', {
      outboundRatePerSecond: 5,
      retryAfterFormat: 'http-date',
    });
    const invalid = await sim.control.request<{ details: Array<{ field: string }> }>('PATCH', '/sim/config', {
      outboundRatePerSecond: 0,
      errorRate: 2,
      recipientsField: 'to',
      colour: 'blue',
    });
    const after = await sim.control.get<Record<string, unknown>>('/sim/config');

    expect(shown.body).toMatchObject({
      outboundRatePerSecond: 40,
      retryAfterFormat: 'seconds',
      dedupeMessages: true,
      recipientsField: 'either',
      whatsappWindowHours: 24,
      contactBucketBurst: 250,
      contactBucketRefillPerMinute: 17,
      hangMs: 30000,
      deliverByocOutbound: true,
      middlewareClientSecret: '***',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ outboundRatePerSecond: 5, retryAfterFormat: 'http-date' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.map((d) => d.field).sort()).toEqual(
      ['colour', 'errorRate', 'outboundRatePerSecond', 'recipientsField'].sort(),
    );
    expect(after.body.outboundRatePerSecond).toBe(5); // the invalid patch changed nothing
  });

  it('resets conversations, log, stats, tokens, faults and settings, and restores the seed channels', async () => {
    const dfo = await sim.dfo();
    await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15554000001'));
    await dfo.delete(`/dfo/3.0/channels/${SMS}`);
    await sim.control.request('PATCH', '/sim/config', { outboundRatePerSecond: 3 });
    await sim.control.post('/sim/faults', { kind: '5xx', count: 3 });

    await sim.reset();

    expect((await sim.control.get<unknown[]>('/sim/messages')).body).toEqual([]);
    expect((await sim.control.get<unknown[]>('/sim/contacts')).body).toEqual([]);
    expect((await sim.control.get<unknown[]>('/sim/requests')).body).toEqual([]);
    expect((await sim.control.get<unknown[]>('/sim/faults')).body).toEqual([]);
    expect((await sim.control.get<{ outbound: { accepted: number } }>('/sim/stats')).body.outbound.accepted).toBe(0);
    expect((await sim.control.get<{ outboundRatePerSecond: number }>('/sim/config')).body.outboundRatePerSecond).toBe(
      40,
    );
    expect((await dfo.get('/dfo/3.0/channels')).status).toBe(401);
    const channels = await (await sim.dfo()).get<Array<{ id: string }>>('/dfo/3.0/channels');
    expect(channels.body.map((c) => c.id)).toContain(SMS);
  });

  it('adds channels and templates that the DFO API then uses', async () => {
    const channel = await sim.control.post('/sim/channels', {
      id: 'whatsapp_second',
      idOnExternalPlatform: '15550109999',
      channelIntegrationId: 'whatsapp',
      realExternalPlatformId: 'whatsapp',
      name: 'Second WhatsApp',
      isPrivate: true,
      hasTreeStructure: false,
    });
    const invalid = await sim.control.post<{ details: Array<{ field: string }> }>('/sim/channels', { id: 'x' });
    const template = await sim.control.post('/sim/channels/whatsapp_second/templates', {
      template: 'fraud_check',
      category: 'TRANSACTIONAL',
      text: 'Did you spend {{1}} at {{2}}? Reply YES or NO.',
    });
    const dfo = await sim.dfo();

    const sent = await dfo.post<DfoMessageResponse>(
      '/dfo/3.0/channels/whatsapp_second/outbound',
      templateOutbound('+15554000002', 'fraud_check', { '1': '$420', '2': 'ACME' }),
    );
    const missing = await dfo.post(
      '/dfo/3.0/channels/whatsapp_second/outbound',
      templateOutbound('+15554000002', 'fraud_check', { '1': '$1' }),
    );

    expect(channel.status).toBe(201);
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.map((d) => d.field)).toContain('realExternalPlatformId');
    expect(template.status).toBe(201);
    expect(template.body).toMatchObject({ template: 'fraud_check', language: 'en_US' });
    expect(sent.status).toBe(200);
    expect(missing.status).toBe(400);
  });

  it('filters the request log by operation, direction and sequence, in arrival order', async () => {
    const dfo = await sim.dfo();
    for (const n of [1, 2, 3]) await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound(`+1555400000${n}`));
    await dfo.get('/dfo/3.0/does-not-exist');

    const all =
      await sim.control.get<Array<{ seq: number; at: number; operation: string; status: number }>>('/sim/requests');
    const outbound = await sim.control.get<Array<{ seq: number }>>(
      '/sim/requests?operation=outbound&direction=received',
    );
    const later = await sim.control.get<Array<{ seq: number }>>(
      `/sim/requests?operation=outbound&since=${outbound.body[0].seq}&limit=1`,
    );
    const bad = await sim.control.get('/sim/requests?limit=none');

    expect(all.body.map((e) => e.operation)).toEqual(['token', 'outbound', 'outbound', 'outbound', 'unknown']);
    expect(all.body.at(-1)!.status).toBe(404);
    expect(all.body.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const times = all.body.map((e) => e.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times.filter((t) => Number.isInteger(t))).toEqual([]); // sub-millisecond precision
    expect(outbound.body).toHaveLength(3);
    expect(later.body.map((e) => e.seq)).toEqual([outbound.body[1].seq]);
    expect(bad.status).toBe(400);
  });
  it('refuses NUL bytes anywhere in a control body with a 400 naming the field, changing nothing', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/sim/customer/reply', { channelId: SMS, from: '+15554000009', text: 'STOP\u0000' }, 'text'],
      ['PATCH', '/sim/config', { middlewareClientId: 'a\u0000b' }, 'middlewareClientId'],
      [
        'POST',
        '/sim/agent/outbound',
        { channelId: SMS, to: '+1555', text: 'x', agent: { firstName: '\u0000' } },
        'agent.firstName',
      ],
      ['POST', '/sim/faults', { kind: '5xx', operation: 'outbound\u0000' }, 'operation'],
      ['POST', '/sim/opt-outs', { channelId: SMS, idOnExternalPlatform: '+1\u0000' }, 'idOnExternalPlatform'],
      ['POST', '/sim/channels/' + SMS + '/templates', { template: 't', variables: ['1', '\u0000'] }, 'variables[1]'],
      ['POST', '/sim/clock', { advanceMs: '1000\u0000' }, 'advanceMs'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await sim.control.request<{ message: string; details: Array<{ field: string }> }>(method, path, body);
      expect({ path, status: res.status, fields: res.body.details?.map((d) => d.field) }).toEqual({
        path,
        status: 400,
        fields: [field],
      });
      expect(res.body.message).toContain('NUL');
    }

    // Authentication comes first: without the control token, a NUL byte still gets the 401.
    const anonymous = await sim.http.post('/sim/customer/reply', { channelId: SMS, from: '+1555', text: '\u0000' });
    expect(anonymous.status).toBe(401);

    expect((await sim.control.get<unknown[]>('/sim/messages')).body).toEqual([]);
    expect((await sim.control.get<unknown[]>('/sim/faults')).body).toEqual([]);
    expect((await sim.control.get<unknown[]>('/sim/opt-outs')).body).toEqual([]);
    expect((await sim.control.get<{ middlewareClientId: string }>('/sim/config')).body.middlewareClientId).toBe(
      'cxone-simulator',
    );
    expect((await sim.control.get<{ offsetMs: number }>('/sim/clock')).body.offsetMs).toBe(0);
  });

  it('shows the newer settings with their defaults, and validates them', async () => {
    const shown = await sim.control.get<Record<string, unknown>>('/sim/config');
    const invalid = await sim.control.request<{ details: Array<{ field: string }> }>('PATCH', '/sim/config', {
      nativeOptOut: 'yes',
      optOutRefusalStatus: 401,
      optOutErrorCode: null,
      contactMessagesOrder: 'newest',
      recipientValidation: 1,
      useDfo3Outbound: null,
      arrivalJitterMs: 120_001,
    });

    expect(shown.body).toMatchObject({
      arrivalJitterMs: 0,
      contactReadsPerHour: 120_000,
      contactReadBurst: 2_000,
      contactMessagesOrder: 'asc',
      nativeOptOut: true,
      optOutRefusalStatus: 400,
      optOutErrorCode: 'RecipientOptedOut',
      webhookUrl: null,
      webhookSecret: '***',
      webhookAuth: 'hmac',
      webhookRetries: 3,
      webhookRetryBackoffMs: 100,
      webhookTimeoutMs: 5_000,
      recipientValidation: true,
      useDfo3Outbound: true,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.map((d) => d.field).sort()).toEqual(
      [
        'arrivalJitterMs',
        'contactMessagesOrder',
        'nativeOptOut',
        'optOutErrorCode',
        'optOutRefusalStatus',
        'recipientValidation',
        'useDfo3Outbound',
      ].sort(),
    );
  });

  it('filters the request log by direction to-webhook, and refuses an unknown direction', async () => {
    const webhookOnly = await sim.control.get<unknown[]>('/sim/requests?direction=to-webhook');
    const bad = await sim.control.get<{ details: Array<{ field: string }> }>('/sim/requests?direction=toWebhook');

    expect(webhookOnly.status).toBe(200);
    expect(webhookOnly.body).toEqual([]);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.field)).toEqual(['direction']);
  });
});
