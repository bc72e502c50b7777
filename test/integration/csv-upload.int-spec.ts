import { PrismaService } from '@/infra/prisma/prisma.service';
import { ApiKeysService, OPERATOR } from '@/modules/auth/api-keys.service';
import { Channel, createCampaign, getCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient } from '@test/helpers/http';
import { RawConnection, RawResponse } from '@test/helpers/raw-http';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Array<{ field: string; problems: string[] }>;
  requestId: string;
}

const MIB = 1024 * 1024;

/** What became of a second request written on a connection after an early answer. */
function outcome(second: RawResponse | null | Error): string {
  if (second instanceof Error) return `no answer: ${second.message}`;
  return second === null ? 'connection closed' : `answered ${second.status}`;
}

describe('CSV uploads', () => {
  let t: TestApp;
  let admin: HttpClient;
  let authorization: string;
  let sms: Channel;

  const upload = (campaignId: string, body: string | Buffer): Promise<Response> =>
    fetch(new URL(`/api/v1/campaigns/${campaignId}/recipients`, t.http.baseUrl), {
      method: 'POST',
      headers: { authorization, 'content-type': 'text/csv' },
      body,
    });

  /** The head of a CSV upload written by hand, for raw connections. */
  const uploadHead = (campaignId: string, framing: string): string =>
    `POST /api/v1/campaigns/${campaignId}/recipients HTTP/1.1\r\nHost: test\r\nAuthorization: ${authorization}\r\n` +
    `Content-Type: text/csv\r\n${framing}\r\n`;
  const liveProbe = 'GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n';

  /** `rows` recipients with a 950-character note each: ~960 bytes a row. */
  const wideCsv = (rows: number): string =>
    `to,field.note\n${phones(rows)
      .map((to) => `${to},${'n'.repeat(950)}`)
      .join('\n')}\n`;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.clientWithScopes('admin');
    authorization = `Bearer ${(await t.app.get(ApiKeysService).create({ name: 'csv', scopes: ['admin'] }, OPERATOR)).key}`;
    sms = await registerChannel(admin, 'sms_csv_upload');
  });
  afterAll(() => t.close());

  it('stores a large upload whole and in CSV order, with repeats and opt-outs across its batches counted once', async () => {
    const campaign = await createCampaign(admin, { channelId: sms.id, recipients: [] });
    const numbers = phones(3_100); // not a whole number of staged batches
    const optedOut = numbers[2_200]; // in a later batch than the first
    await admin.post('/api/v1/opt-outs', { channelId: sms.id, address: optedOut, reason: 'texted STOP' });
    // 500 repeats of numbers from the first batch, after row 2,500
    const rows = [...numbers.slice(0, 2_500), ...numbers.slice(0, 500), ...numbers.slice(2_500)];

    const res = await upload(campaign.id, `to\n${rows.join('\n')}\n`);

    expect(res.status).toBe(202);
    const body = (await res.json()) as { intake: Record<string, number>; counts: Record<string, number> };
    expect(body.intake).toMatchObject({ received: 3_600, accepted: 3_099, duplicates: 500, optedOut: 1, rejected: 0 });
    expect(body.counts).toMatchObject({ total: 3_100, pending: 3_099, skippedOptedOut: 1 });
    const stored = await t.app
      .get(PrismaService)
      .pool.query<{ address: string }>('SELECT address FROM campaign_recipient WHERE campaign_id = $1 ORDER BY seq', [
        campaign.id,
      ]);
    expect(stored.rows.map((r) => r.address)).toEqual(numbers);
  });

  it('refuses a NUL in a CSV field, naming the row and column', async () => {
    const campaign = await createCampaign(admin, { channelId: sms.id });
    const [a, b] = phones(2);
    const res = await upload(campaign.id, `to,name\n${a},Ana\n${b},B\u0000b\n`);
    const body = (await res.json()) as ErrorBody;
    expect({ status: res.status, body }).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'the CSV has a NUL character (\\u0000) in row 2, column name: PostgreSQL cannot store it',
        details: [{ field: 'row 2: name', problems: ['must not contain NUL characters (\\u0000)'] }],
        requestId: res.headers.get('x-request-id'),
      },
    });
    expect((await getCampaign(admin, campaign.id)).counts.total).toBe(0);
  });

  it('refuses a CSV that is not UTF-8 (saved as Latin-1) instead of storing U+FFFD', async () => {
    const campaign = await createCampaign(admin, { channelId: sms.id });
    const res = await upload(campaign.id, Buffer.from(`to,name\n${phones(1)[0]},Jos\xe9\n`, 'latin1'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).message).toContain('not UTF-8');
  });

  describe('an early answer to a streamed upload', () => {
    it('answers a record over the size limit with a 400, and the keep-alive connection answers the next request', async () => {
      const campaign = await createCampaign(admin, { channelId: sms.id });
      const csv = `to,name\n${phones(1)[0]},${'n'.repeat(1_000_000)}\n${phones(1)[0]},Ana\n`;
      const connection = await RawConnection.open(t.http.baseUrl);
      try {
        connection.write(uploadHead(campaign.id, `Content-Length: ${Buffer.byteLength(csv)}\r\n`) + csv);
        const first = await connection.nextResponse();
        expect(first?.status).toBe(400);
        expect(JSON.parse(first?.body ?? '{}')).toMatchObject({
          statusCode: 400,
          message: expect.stringContaining('could not be read') as string,
          requestId: first?.headers['x-request-id'],
        });
        connection.write(liveProbe);
        const second = await connection.nextResponse(3_000).catch((err: Error) => err);
        // The rest of a body of a declared, bounded length is read and dropped, so the connection stays usable.
        expect(outcome(second)).toBe('answered 200');
      } finally {
        connection.close();
      }
    });

    it(`answers 413 for a CSV declared over 20 MiB, and closes the connection; nothing is added`, async () => {
      const campaign = await createCampaign(admin, { channelId: sms.id });
      const csv = wideCsv(23_000); // far within the row cap, over the byte cap
      expect(Buffer.byteLength(csv)).toBeGreaterThan(20 * MIB);
      const connection = await RawConnection.open(t.http.baseUrl);
      try {
        connection.write(uploadHead(campaign.id, `Content-Length: ${Buffer.byteLength(csv)}\r\n`));
        connection.write(csv);
        const first = await connection.nextResponse(20_000);
        expect(first?.status).toBe(413);
        expect(JSON.parse(first?.body ?? '{}')).toEqual({
          statusCode: 413,
          error: 'Payload Too Large',
          message: 'the CSV is larger than 20 MiB',
          requestId: first?.headers['x-request-id'],
        });
        expect(first?.headers.connection).toBe('close');
        connection.write(liveProbe);
        expect(outcome(await connection.nextResponse(3_000).catch((err: Error) => err))).toBe('connection closed');
      } finally {
        connection.close();
      }
      expect((await getCampaign(admin, campaign.id)).counts.total).toBe(0);
    });

    it('answers 413 for a chunked CSV that grows past 20 MiB, and closes the connection', async () => {
      const campaign = await createCampaign(admin, { channelId: sms.id });
      const csv = Buffer.from(wideCsv(23_000));
      const connection = await RawConnection.open(t.http.baseUrl);
      try {
        connection.write(uploadHead(campaign.id, 'Transfer-Encoding: chunked\r\n'));
        for (let offset = 0; offset < csv.length && !connection.closed; offset += MIB) {
          const chunk = csv.subarray(offset, offset + MIB);
          connection.write(`${chunk.length.toString(16)}\r\n`);
          connection.write(chunk);
          connection.write('\r\n');
          await connection.flushed();
        }
        connection.write('0\r\n\r\n');
        const first = await connection.nextResponse(20_000);
        expect(first?.status).toBe(413);
        expect(first?.headers.connection).toBe('close');
        connection.write(liveProbe);
        expect(outcome(await connection.nextResponse(3_000).catch((err: Error) => err))).toBe('connection closed');
      } finally {
        connection.close();
      }
      expect((await getCampaign(admin, campaign.id)).counts.total).toBe(0);
    });

    it('keeps the connection usable after a 404 for an upload to an unknown campaign', async () => {
      const csv = `to\n${phones(1)[0]}\n`;
      const connection = await RawConnection.open(t.http.baseUrl);
      try {
        connection.write(
          uploadHead('00000000-0000-4000-8000-000000000000', `Content-Length: ${csv.length}\r\n`) + csv + liveProbe,
        );
        expect((await connection.nextResponse())?.status).toBe(404);
        expect(outcome(await connection.nextResponse(3_000).catch((err: Error) => err))).toBe('answered 200');
      } finally {
        connection.close();
      }
    });
  });
});
