import { STATUS_CODES } from 'node:http';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { Channel, createCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient, HttpResponse } from '@test/helpers/http';
import { RawConnection } from '@test/helpers/raw-http';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Array<{ field: string; problems: string[] }>;
  requestId: string;
}

/** The answer is a 4xx in the one error shape, with the request id of the X-Request-Id header. */
function expectClientError(res: HttpResponse, status = 400): ErrorBody {
  const body = res.body as ErrorBody;
  const seen = `${res.status} ${res.text.slice(0, 500)}`;
  expect({ seen, status: res.status }).toEqual({ seen, status });
  expect(body).toEqual({
    statusCode: status,
    error: expect.any(String) as string,
    message: expect.any(String) as string,
    ...(body.details !== undefined ? { details: body.details } : {}),
    requestId: res.headers.get('x-request-id'),
  });
  return body;
}

/** The fields a 400 names in its details. */
const fieldsOf = (body: ErrorBody): string[] => (body.details ?? []).map((d) => d.field);

/** JSON text with the given strings kept as escapes (JSON.stringify writes \u0000 and lone surrogates that way). */
const json = (value: unknown): string => JSON.stringify(value);
const JSON_HEADERS = { 'content-type': 'application/json' };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('bad input answers a 4xx in the one error shape', () => {
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;
  let whatsapp: Channel;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_bad_input');
    whatsapp = await registerChannel(admin, 'wa_bad_input', 'WHATSAPP');
  });
  afterAll(() => t.close());

  describe('NUL characters (PostgreSQL cannot store them)', () => {
    it('refuses a NUL in a stored string, naming the field', async () => {
      const res = await admin.post(
        '/api/v1/channels',
        json({ cxoneChannelId: 'x1', kind: 'SMS', name: 'a\u0000b' }),
        JSON_HEADERS,
      );
      const body = expectClientError(res);
      expect(fieldsOf(body)).toEqual(['name']);
      expect(body.message).toContain('NUL');
    });

    it('refuses a NUL in JSON-stored content and in a property name, naming where it is', async () => {
      const text = await admin.post(
        '/api/v1/campaigns',
        json({ name: 'n', channelId: sms.id, content: { type: 'TEXT', text: 'hi\u0000' } }),
        JSON_HEADERS,
      );
      expect(fieldsOf(expectClientError(text))).toEqual(['content.text']);

      const key = await admin.post(
        '/api/v1/campaigns',
        json({ name: 'n', channelId: sms.id, content: { type: 'TEXT', text: 'hi' }, customFields: { 'a\u0000': 'x' } }),
        JSON_HEADERS,
      );
      expect(fieldsOf(expectClientError(key))).toEqual(['customFields']);

      const recipient = await admin.post(
        '/api/v1/campaigns',
        json({
          name: 'n',
          channelId: sms.id,
          content: { type: 'TEXT', text: 'hi' },
          recipients: [{ to: phones(1)[0] }, { to: 'x', name: '\u0000' }],
        }),
        JSON_HEADERS,
      );
      expect(fieldsOf(expectClientError(recipient))).toEqual(['recipients[1].name']);
    });

    it('refuses a NUL in a query parameter, naming it', async () => {
      const res = await admin.get(`/api/v1/opt-outs?channelId=${sms.id}&cursor=a%00b`);
      const body = expectClientError(res);
      expect(fieldsOf(body)).toEqual(['cursor']);
      expect(body.message).toContain('query parameter cursor');
    });

    it('refuses a NUL or an overlong thread id in the threads filter, naming it', async () => {
      const nul = expectClientError(await admin.get('/api/v1/threads?idOnExternalPlatform=tl-%00'));
      expect(fieldsOf(nul)).toEqual(['idOnExternalPlatform']);
      const long = expectClientError(await admin.get(`/api/v1/threads?idOnExternalPlatform=${'x'.repeat(256)}`));
      expect(fieldsOf(long)).toEqual(['idOnExternalPlatform']);
    });
  });

  describe('lone surrogates (not text: UTF-8 cannot carry them)', () => {
    it('refuses them in JSON-stored content, template parameters and recipient parameter names', async () => {
      const content = await admin.post(
        '/api/v1/campaigns',
        json({ name: 'n', channelId: sms.id, content: { type: 'TEXT', text: 'a\ud800b' } }),
        JSON_HEADERS,
      );
      expect(fieldsOf(expectClientError(content))).toEqual(['content.text']);

      const parameterKey = await admin.post(
        '/api/v1/campaigns',
        json({
          name: 'n',
          channelId: whatsapp.id,
          content: { type: 'TEMPLATE', template: { name: 't', language: 'en', parameters: { 'a\udc00': 'x' } } },
        }),
        JSON_HEADERS,
      );
      expect(fieldsOf(expectClientError(parameterKey))).toEqual(['content.template.parameters']);

      const recipientKey = await admin.post(
        '/api/v1/messages',
        json({
          channelId: sms.id,
          to: phones(1)[0],
          content: { type: 'TEXT', text: 'x' },
          customFields: { k: 'v\ud83d' },
        }),
        JSON_HEADERS,
      );
      expect(fieldsOf(expectClientError(recipientKey))).toEqual(['customFields.k']);
    });

    it('refuses JSON bytes that are not UTF-8 too, instead of storing U+FFFD', async () => {
      const bytes = Buffer.concat([
        Buffer.from('{"cxoneChannelId":"x3","kind":"SMS","name":"Jos'),
        Buffer.from([0xe9]), // Latin-1 é
        Buffer.from('"}'),
      ]);
      const res = await admin.post('/api/v1/channels', bytes, JSON_HEADERS);
      expect(expectClientError(res).message).toBe('the body is not UTF-8 text');
    });

    it('refuses them in plain text columns too, instead of storing U+FFFD', async () => {
      const res = await admin.post(
        '/api/v1/channels',
        json({ cxoneChannelId: 'x2', kind: 'SMS', name: 'a\ud800b' }),
        JSON_HEADERS,
      );
      expect(fieldsOf(expectClientError(res))).toEqual(['name']);
      const stored = await t.app.get(PrismaService).channel.findMany({ where: { cxoneChannelId: 'x2' } });
      expect(stored).toEqual([]);
    });
  });

  describe('deep nesting', () => {
    it('answers 400 for JSON nested 10,000 deep (no stack overflow), and for 65 levels', async () => {
      for (const depth of [10_000, 65]) {
        const res = await admin.post(
          '/api/v1/campaigns',
          `{"name":"n","content":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`,
          JSON_HEADERS,
        );
        expect(expectClientError(res).message).toContain('nested more than 64 levels');
      }
    });

    it('still accepts 64 levels where free-form JSON is allowed', async () => {
      let content: unknown = 'leaf';
      for (let i = 0; i < 63; i++) content = { n: content }; // 63 objects under the body: 64 levels
      const res = await admin.post('/api/v1/templates', {
        channelId: whatsapp.id,
        name: 'deep',
        language: 'en',
        parameters: [],
        content,
      });
      expect(res.status).toBe(201);
    });
  });

  it('answers 400 when a campaign or a message has no content, or content that is not an object', async () => {
    const campaign = await admin.post('/api/v1/campaigns', { name: 'n', channelId: sms.id });
    expect(fieldsOf(expectClientError(campaign))).toContain('content');
    const message = await admin.post('/api/v1/messages', { channelId: sms.id, to: phones(1)[0] });
    expect(fieldsOf(expectClientError(message))).toContain('content');
    for (const content of [null, [], 'TEXT', { type: 'TEMPLATE', template: [] }]) {
      const res = await admin.post('/api/v1/messages', { channelId: whatsapp.id, to: phones(1)[0], content });
      expect(fieldsOf(expectClientError(res))[0]).toMatch(/^content/);
    }
  });

  it("answers 400 naming each bad send-window field: quiet hours' times, a non-object, the zone, the opt-out", async () => {
    const campaign = (extra: Record<string, unknown>) =>
      admin.post('/api/v1/campaigns', {
        name: 'n',
        channelId: sms.id,
        content: { type: 'TEXT', text: 'hi' },
        ...extra,
      });
    expect(fieldsOf(expectClientError(await campaign({ quietHours: { start: '21:00' } })))).toEqual(['quietHours.end']);
    expect(fieldsOf(expectClientError(await campaign({ quietHours: [] })))).toEqual(['quietHours']);
    expect(fieldsOf(expectClientError(await campaign({ quietHours: { start: 2100, end: '8:00' } })))).toEqual([
      'quietHours.start',
      'quietHours.end',
    ]);
    expect(
      fieldsOf(expectClientError(await campaign({ quietHours: { start: '21:00', end: '08:00', tz: 'UTC' } }))),
    ).toEqual(['quietHours.tz']);
    expect(fieldsOf(expectClientError(await campaign({ timeZone: 'UTC\u0000' })))).toEqual(['timeZone']);
    expect(fieldsOf(expectClientError(await campaign({ timeZone: 5, ignoreQuietHours: 1 })))).toEqual([
      'timeZone',
      'ignoreQuietHours',
    ]);
  });

  describe('bodies that are not a JSON object', () => {
    it('answers a CSV or plain text sent to a JSON route with a 415', async () => {
      for (const type of ['text/csv', 'text/plain']) {
        const res = await admin.post('/api/v1/channels', 'to\n+12025550143\n', { 'content-type': type });
        expectClientError(res, 415);
      }
    });

    it('answers an array, a string or null as the body of a JSON route with a 400', async () => {
      for (const body of ['[]', '"x"', 'null', `[${'null,'.repeat(99_999)}null]`]) {
        const res = await admin.post('/api/v1/channels', body, JSON_HEADERS);
        expect(expectClientError(res).message).toBe('the body must be a JSON object');
      }
    });

    it('answers an object with 100,000 properties with a 400, without first spending seconds on it', async () => {
      const many = `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
      const res = await admin.post('/api/v1/channels', many, JSON_HEADERS);
      expect(expectClientError(res).message).toBe('body has more than 1000 properties');
    });
  });

  describe('null in PATCH fields', () => {
    it.each([{ name: null }, { isActive: null }])('refuses %j for a channel', async (change) => {
      const res = await admin.patch(`/api/v1/channels/${sms.id}`, change);
      expect(fieldsOf(expectClientError(res))).toEqual(Object.keys(change));
      expect((await admin.get(`/api/v1/channels/${sms.id}`)).body).toMatchObject({
        name: 'SMS sms_bad_input',
        isActive: true,
      });
    });

    it.each([{ rateLimitPerSecond: null }, { clientSecret: null }, { accessKeySecret: null }])(
      'refuses %j for an account',
      async (change) => {
        const res = await admin.patch(`/api/v1/accounts/${sms.accountId}`, change);
        expect(fieldsOf(expectClientError(res))).toEqual(Object.keys(change));
      },
    );
  });

  it('answers 400 for a cursor that is not a UUID', async () => {
    expect(fieldsOf(expectClientError(await admin.get('/api/v1/campaigns?cursor=abc')))).toEqual(['cursor']);
    const campaign = await createCampaign(admin, { channelId: sms.id });
    const recipients = await admin.get(`/api/v1/campaigns/${campaign.id}/recipients?cursor=abc`);
    expect(fieldsOf(expectClientError(recipients))).toEqual(['cursor']);
  });

  it('records eight concurrent opt-outs of a new address: all succeed, one contact', async () => {
    const address = phones(1)[0];
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        admin.post('/api/v1/opt-outs', { channelId: sms.id, address, reason: `try ${i}` }),
      ),
    );
    expect(answers.map((a) => `${a.status} ${a.text.slice(0, 200)}`)).toEqual(
      answers.map(() => `200 ${json({ channelId: sms.id, address, optedOut: true })}`),
    );
    const prisma = t.app.get(PrismaService);
    const contacts = await prisma.contact.findMany({ where: { channelId: sms.id, address } });
    expect(contacts).toHaveLength(1);
    expect(contacts[0].optedOut).toBe(true);
    expect(await prisma.consentEvent.count({ where: { contactId: contacts[0].id } })).toBe(8);
  });

  it('keeps the cached opt-out flag equal to the latest ledger event under concurrent opt-outs and opt-ins', async () => {
    const address = phones(1)[0];
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        admin.post(`/api/v1/${i % 2 ? 'opt-ins' : 'opt-outs'}`, { channelId: sms.id, address }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const prisma = t.app.get(PrismaService);
    const [contact, ...others] = await prisma.contact.findMany({ where: { channelId: sms.id, address } });
    expect(others).toEqual([]);
    const latest = await prisma.consentEvent.findFirst({
      where: { contactId: contact.id },
      orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
    });
    expect({ optedOut: contact.optedOut, latest: latest?.kind }).toEqual({
      optedOut: latest?.kind === 'OPT_OUT',
      latest: latest?.kind,
    });
  });

  it('answers 404 JSON, never an SSE error event, for the progress of an unknown campaign', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await admin.get(`/api/v1/campaigns/${UNKNOWN_ID}/progress`);
      seen.push(`${res.status} ${res.headers.get('content-type')}`);
      if (res.status === 404) expectClientError(res, 404);
      const malformed = await admin.get('/api/v1/campaigns/not-a-uuid/progress');
      seen.push(`${malformed.status} ${malformed.headers.get('content-type')}`);
    }
    expect(seen).toEqual(seen.map((_, i) => `${i % 2 ? 400 : 404} application/json; charset=utf-8`));
  });

  describe("errors raised by Fastify's router", () => {
    it.each([
      ['a malformed percent-encoding', '/api/v1/campaigns/%ZZ', 400],
      ['a path parameter over 100 characters', `/api/v1/campaigns/${'a'.repeat(200)}`, 414],
    ])('answer %s in the one shape with a request id', async (_what, path, status) => {
      const res = await admin.get(path);
      const body = expectClientError(res, status);
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.text).not.toContain('FST_ERR');
      expect(res.text).not.toContain('aaaaaaaaaa');
    });

    it.each([
      ['headers over 16 KB', `GET /api/v1/campaigns HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 431],
      ['a header line without a colon', 'GET /api/v1/campaigns HTTP/1.1\r\nHost x\r\n\r\n', 400],
    ])(
      'answers a request the HTTP parser refuses (%s) in the one shape, and closes',
      async (_what, request, status) => {
        const connection = await RawConnection.open(t.http.baseUrl);
        try {
          connection.write(request);
          const res = await connection.nextResponse();
          expect(res?.status).toBe(status);
          expect(JSON.parse(res?.body ?? '')).toEqual({
            statusCode: status,
            error: STATUS_CODES[status],
            message: expect.any(String) as string,
            requestId: res?.headers['x-request-id'],
          });
          expect(res?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
          expect(await connection.nextResponse()).toBeNull();
        } finally {
          connection.close();
        }
      },
    );
  });
});
