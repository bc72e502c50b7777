import { ApiKeysService, OPERATOR } from '@/modules/auth/api-keys.service';
import {
  allRecipients,
  Channel,
  createCampaign,
  phones,
  registerChannel,
  waitForCampaign,
} from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient, HttpResponse } from '@test/helpers/http';
import { RawConnection } from '@test/helpers/raw-http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

interface Consent {
  channelId: string;
  address: string;
  optedOut: boolean;
  optedOutAt: string | null;
}
interface LedgerEvent {
  kind: 'OPT_OUT' | 'OPT_IN';
  source: string;
  occurredAt: string;
  externalRef: string | null;
  detail: string | null;
}
interface ConsentWithHistory extends Consent {
  history: LedgerEvent[];
  nextCursor: string | null;
}
interface ImportReport {
  rows: number;
  imported: number;
  alreadyOptedOut: number;
  alreadyOptedIn: number;
  alreadyImported: number;
  rejected: number;
  rejectedRows: Array<{ row: number; reason: string; input: string }>;
}
interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Array<{ field: string; problems: string[] }>;
  requestId: string;
}
interface SimRequest {
  operation: string;
  status: number | null;
  at: number;
  body?: { recipients?: Array<{ idOnExternalPlatform: string }> };
}

const CSV = { 'content-type': 'text/csv' };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** The answer is a 4xx in the one error shape; what was seen is in the failure message. */
function expectError(res: HttpResponse, status: number): ErrorBody {
  const seen = `${res.status} ${res.text.slice(0, 500)}`;
  expect({ status: res.status, seen }).toEqual({ status, seen });
  const body = res.body as ErrorBody;
  expect(body).toEqual({
    statusCode: status,
    error: expect.any(String) as string,
    message: expect.any(String) as string,
    ...(body.details !== undefined ? { details: body.details } : {}),
    requestId: res.headers.get('x-request-id'),
  });
  return body;
}

/** The status and body, so a failing assertion shows what came back. */
const answer = <T>(res: HttpResponse<T>): { status: number; body: T | string } => ({
  status: res.status,
  body: res.status < 300 ? res.body : res.text.slice(0, 500),
});

/** Rows of a CSV the export wrote (no quoted cells in these tests). */
const csvRows = (text: string): string[][] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(','));

/**
 * The consent ledger API against the real application and database: one ledger per customer and channel, written
 * by admins (PUT/DELETE), keywords and imports; every send checks it, so an opt-out stops the very next message.
 */
describe('the opt-out API: PUT/GET/DELETE, CSV import and export', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;
  let other: Channel;
  let chat: Channel;

  const path = (address: string, channel: Channel = sms): string =>
    `/api/v1/opt-outs/${channel.id}/${encodeURIComponent(address)}`;
  const consentOf = async (address: string, channel: Channel = sms): Promise<ConsentWithHistory> => {
    const res = await admin.get<ConsentWithHistory>(path(address, channel));
    expect(answer(res)).toMatchObject({ status: 200 });
    return res.body;
  };
  const importCsv = (csv: string, query = `?channelId=${sms.id}`): Promise<HttpResponse<ImportReport>> =>
    admin.post<ImportReport>(`/api/v1/opt-outs/import${query}`, csv, CSV);
  const exportCsv = (channel: Channel = sms): Promise<HttpResponse<string>> =>
    admin.get<string>(`/api/v1/opt-outs/export?channelId=${channel.id}`);
  const outboundTo = async (address: string): Promise<SimRequest[]> =>
    (await sim.control.get<SimRequest[]>('/sim/requests?operation=outbound&limit=100000')).body.filter(
      (r) => r.status === 200 && r.body?.recipients?.some((x) => x.idOnExternalPlatform === address),
    );

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({ ...sim.appEnv, SWEEPER_INTERVAL_MS: '60000' });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
    other = await registerChannel(admin, 'sms_opt_outs_other');
    chat = await registerChannel(admin, 'chat_opt_outs', 'BYOC_CHAT');
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

  describe('PUT, GET and DELETE /opt-outs/{channelId}/{address}', () => {
    it('opts a customer out once (201, then 200 with nothing recorded), normalising the address as intake does', async () => {
      const [ana] = phones(1);
      const spaced = `${ana.slice(0, 2)} ${ana.slice(2, 5)}-${ana.slice(5, 8)}-${ana.slice(8)}`; // +1 202-555-0143
      const first = await admin.put<Consent>(path(spaced), { reason: 'asked by phone' });
      expect(answer(first)).toEqual({
        status: 201,
        body: { channelId: sms.id, address: ana, optedOut: true, optedOutAt: expect.any(String) as string },
      });
      // a raw '+' in the path is a '+' (only a query string turns it into a space)
      const again = await admin.put<Consent>(`/api/v1/opt-outs/${sms.id}/${ana}`);
      expect(answer(again)).toEqual({ status: 200, body: first.body });

      const state = await consentOf(ana);
      expect(state).toEqual({
        ...first.body,
        history: [
          {
            kind: 'OPT_OUT',
            source: 'ADMIN',
            occurredAt: first.body.optedOutAt,
            externalRef: null,
            detail: 'asked by phone',
          },
        ],
        nextCursor: null,
      });
    });

    it('opts a customer back in with DELETE (idempotent), and answers 404 for one never seen', async () => {
      const [bo, never] = phones(2);
      await admin.put(path(bo));
      const deleted = await admin.delete<Consent>(path(bo));
      expect(answer(deleted)).toEqual({
        status: 200,
        body: { channelId: sms.id, address: bo, optedOut: false, optedOutAt: null },
      });
      const again = await admin.delete<Consent>(path(bo));
      expect(answer(again)).toEqual({ status: 200, body: deleted.body });
      expect((await consentOf(bo)).history.map((e) => `${e.kind} ${e.source}`)).toEqual([
        'OPT_IN ADMIN',
        'OPT_OUT ADMIN',
      ]);

      expect(expectError(await admin.delete(path(never)), 404).message).toContain(never);
      expect(expectError(await admin.get(path(never)), 404).message).toContain('never seen');
      // a DELETE of someone unknown creates no one
      expect(expectError(await admin.get(path(never)), 404).statusCode).toBe(404);
    });

    it('keeps one ledger across sources (keyword, admin, import), newest first, paged', async () => {
      const [cy] = phones(1);
      const campaign = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: cy }], start: true });
      await waitForCampaign(admin, campaign.id);
      await sim.control.post('/sim/customer/reply', { channelId: 'sms_threadline_dev', from: cy, text: 'STOP' });
      await eventually(
        async () => (await admin.get(path(cy))).status === 200 && (await consentOf(cy)).optedOut,
        Boolean,
        {
          what: `${cy} opted out by keyword`,
        },
      );
      expect(answer(await admin.delete(path(cy)))).toMatchObject({ status: 200, body: { optedOut: false } });
      const imported = await importCsv(`address,kind,optedOutAt\n${cy},OPT_OUT,2026-01-15T08:00:00Z\n`);
      // an opt-out from January is history: the opt-in of today stays in force
      expect(answer(imported)).toMatchObject({ status: 200, body: { imported: 1, rejected: 0 } });

      const state = await consentOf(cy);
      expect({ optedOut: state.optedOut, history: state.history.map((e) => [e.kind, e.source]) }).toEqual({
        optedOut: false,
        history: [
          ['OPT_IN', 'ADMIN'],
          ['OPT_OUT', 'KEYWORD'],
          ['OPT_OUT', 'IMPORT'],
        ],
      });
      expect(state.history[1]?.externalRef).toEqual(expect.any(String));
      expect(state.history[2]).toMatchObject({
        occurredAt: '2026-01-15T08:00:00.000Z',
        externalRef: 'import:OPT_OUT:2026-01-15T08:00:00.000Z',
      });

      const first = await admin.get<ConsentWithHistory>(`${path(cy)}?limit=2`);
      const second = await admin.get<ConsentWithHistory>(
        `${path(cy)}?limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? 'none')}`,
      );
      expect([...first.body.history, ...second.body.history]).toEqual(state.history);
      expect(second.body.nextCursor).toBeNull();
      expectError(await admin.get(`${path(cy)}?cursor=yesterday`), 400);
    });

    it('records one opt-out for concurrent PUTs of a new customer (one 201, the rest 200)', async () => {
      const [ivy] = phones(1);
      const answers = await Promise.all(Array.from({ length: 8 }, () => admin.put<Consent>(path(ivy))));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect((await consentOf(ivy)).history.map((e) => `${e.kind} ${e.source}`)).toEqual(['OPT_OUT ADMIN']);
    });

    it('takes chat user ids as given, with any character encoded', async () => {
      const id = 'user/42 ü+x';
      expect(answer(await admin.put<Consent>(path(id, chat)))).toMatchObject({
        status: 201,
        body: { address: id, optedOut: true },
      });
      expect((await consentOf(id, chat)).address).toBe(id);
    });

    it('answers bad addresses, ids and channels with a 4xx in the error shape', async () => {
      const [dan] = phones(1);
      const invalid = expectError(await admin.put(path('12025550143')), 400);
      expect(invalid.details?.map((d) => d.field)).toEqual(['address']);
      expect(invalid.message).toContain('%2B');
      expect(expectError(await admin.put(path('+1 202 555')), 400).message).toContain('too short');
      expectError(await admin.put(`/api/v1/opt-outs/not-a-uuid/${encodeURIComponent(dan)}`), 400);
      expect(
        expectError(await admin.put(`/api/v1/opt-outs/${UNKNOWN_ID}/${encodeURIComponent(dan)}`), 404).message,
      ).toContain(UNKNOWN_ID);
      expectError(await admin.put(path(dan), { reason: null }), 400);
      expectError(await admin.put(path(dan), { reason: 'a\u0000b' }), 400);
      expectError(await admin.put(path(dan), { extra: 1 }), 400);
      expectError(
        await admin.put(path(dan), JSON.stringify({ reason: 'x'.repeat(2_000_000) }), {
          'content-type': 'application/json',
        }),
        400,
      );
      expectError(await admin.get(`${path(dan)}?limit=0`), 400);
      expectError(await admin.put(`/api/v1/opt-outs/${sms.id}/${'9'.repeat(200)}`), 414);
      const nul = expectError(await admin.put(path('a\u0000b', chat)), 400);
      expect({ fields: nul.details?.map((d) => d.field), message: nul.message }).toEqual({
        fields: ['address'],
        message: 'address must not contain NUL characters (\\u0000)',
      });
      expectError(await admin.get(path('a\u0000b', chat)), 400);
      expectError(await admin.put(`/api/v1/opt-outs/${chat.id}/a%ED%A0%80b`), 400); // not UTF-8
      expect((await admin.get(path(dan))).status).toBe(404); // none of these recorded anything
    });
  });

  describe('what an opt-out does to sends', () => {
    it('skips the customer in a campaign already taken in (checked just before the send), and at the next intake', async () => {
      const [ema, fay] = phones(2);
      const draft = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: ema }, { to: fay }] });
      expect(draft.intake).toMatchObject({ accepted: 2, optedOut: 0 });
      expect(answer(await admin.put(path(ema)))).toMatchObject({ status: 201 });

      await admin.post(`/api/v1/campaigns/${draft.id}/start`);
      const done = await waitForCampaign(admin, draft.id);
      const statuses = Object.fromEntries((await allRecipients(admin, done.id)).map((r) => [r.address, r.status]));
      expect(statuses).toEqual({ [ema]: 'SKIPPED_OPTED_OUT', [fay]: 'SENT' });
      expect((await outboundTo(ema)).length).toBe(0);

      const next = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: ema }, { to: fay }] });
      expect(next.intake).toMatchObject({ accepted: 1, optedOut: 1 });

      await admin.delete(path(ema));
      const back = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: ema }], start: true });
      await waitForCampaign(admin, back.id);
      expect((await allRecipients(admin, back.id)).map((r) => r.status)).toEqual(['SENT']);
    });
  });

  describe('an opt-out while the send waits', () => {
    afterEach(async () => {
      await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 100 });
    });

    it('stops a send already claimed and waiting for its rate slot when the customer opts out meanwhile', async () => {
      await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 1 });
      const [gus, hal, jo, kim, ivy] = phones(5);
      const campaign = await createCampaign(admin, {
        channelId: sms.id,
        recipients: [gus, hal, jo, kim, ivy].map((to) => ({ to })),
        start: true,
      });
      // ivy's slot is four seconds away: her row is claimed (its consent read with the claim) and waits for it
      await eventually(
        () => allRecipients(admin, campaign.id),
        (rows) => rows.find((r) => r.address === ivy)?.status === 'SENDING',
        { timeoutMs: 5000, what: "ivy's send to be claimed and waiting for its slot" },
      );
      expect(answer(await admin.put(path(ivy)))).toMatchObject({ status: 201 });

      const done = await waitForCampaign(admin, campaign.id);
      const statuses = Object.fromEntries((await allRecipients(admin, done.id)).map((r) => [r.address, r.status]));
      expect(statuses).toEqual({
        [gus]: 'SENT',
        [hal]: 'SENT',
        [jo]: 'SENT',
        [kim]: 'SENT',
        [ivy]: 'SKIPPED_OPTED_OUT',
      });
      expect((await outboundTo(ivy)).length).toBe(0);
    });
  });

  describe('CSV import and export', () => {
    it('imports opt-outs, reports bad rows by number and reason, and exports them back (streamed, as a download)', async () => {
      const list = phones(3);
      const csv =
        'phone,kind,optedOutAt,reason\n' +
        `${list[0]},OPT_OUT,2026-11-21T09:30:00Z,old system\n` +
        `${list[1]},,,\n` +
        '+15551234567,OPT_OUT,,\n' +
        `${list[2]},maybe,,\n` +
        `${list[2]},OPT_OUT,21/11/2026,\n` +
        `${list[2]}\n` +
        `${list[2]},opt-out,2026-11-22,\n` +
        `${list[1]},OPT_OUT,,\n`;
      const report = await importCsv(csv);
      expect(answer(report)).toEqual({
        status: 200,
        body: {
          rows: 8,
          imported: 3,
          alreadyOptedOut: 1,
          alreadyOptedIn: 0,
          alreadyImported: 0,
          rejected: 4,
          rejectedRows: [
            {
              row: 3,
              reason: expect.stringContaining('not a valid phone number') as string,
              input: '+15551234567,OPT_OUT,,',
            },
            { row: 4, reason: 'kind must be OPT_OUT or OPT_IN', input: `${list[2]},maybe,,` },
            { row: 5, reason: expect.stringContaining('ISO 8601') as string, input: `${list[2]},OPT_OUT,21/11/2026,` },
            { row: 6, reason: 'expected 4 cells, found 1', input: list[2] },
          ],
        },
      });
      expect((await consentOf(list[0])).history).toEqual([
        {
          kind: 'OPT_OUT',
          source: 'IMPORT',
          occurredAt: '2026-11-21T09:30:00.000Z',
          externalRef: 'import:OPT_OUT:2026-11-21T09:30:00.000Z',
          detail: 'CSV import row 1; old system',
        },
      ]);

      const exported = await exportCsv();
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(exported.headers.get('content-disposition')).toBe(`attachment; filename="opt-outs-${sms.id}.csv"`);
      const rows = csvRows(exported.text);
      expect(rows[0]).toEqual(['address', 'channelId', 'optedOutAt', 'source']);
      const byAddress = new Map(rows.slice(1).map((r) => [r[0], r]));
      expect(list.map((a) => byAddress.get(a))).toEqual([
        [list[0], sms.id, '2026-11-21T09:30:00.000Z', 'IMPORT'],
        [list[1], sms.id, expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string, 'IMPORT'],
        [list[2], sms.id, '2026-11-22T00:00:00.000Z', 'IMPORT'],
      ]);

      // the export imports as it is: into its own channel it changes nothing, into another it needs its column changed
      const back = await importCsv(exported.text, '');
      expect(answer(back)).toMatchObject({
        status: 200,
        body: { imported: 0, alreadyOptedOut: rows.length - 1, rejected: 0 },
      });
      const elsewhere = await importCsv(exported.text, `?channelId=${other.id}`);
      expect(answer(elsewhere)).toMatchObject({ status: 200, body: { imported: 0, rejected: rows.length - 1 } });
      expect(elsewhere.body.rejectedRows[0]?.reason).toBe('channelId differs from the channelId query parameter');
      const moved = await importCsv(exported.text.replaceAll(sms.id, other.id), '');
      expect(answer(moved)).toMatchObject({ status: 200, body: { imported: rows.length - 1, rejected: 0 } });
      expect(csvRows((await exportCsv(other)).text)).toEqual([
        rows[0],
        ...rows.slice(1).map(([address, , at]) => [address, other.id, at, 'IMPORT']),
      ]);
    });

    it('imports the same rows again without recording anything twice, also after the customer opted back in', async () => {
      const list = phones(4);
      const csv = `address\n${list.join('\n')}\n`;
      expect(answer(await importCsv(csv))).toMatchObject({ status: 200, body: { rows: 4, imported: 4 } });
      expect(answer(await importCsv(csv))).toMatchObject({
        status: 200,
        body: { rows: 4, imported: 0, alreadyOptedOut: 4, alreadyImported: 0 },
      });
      // START after the import: the old list must not opt them out again
      await admin.delete(path(list[0]));
      expect(answer(await importCsv(csv))).toMatchObject({
        status: 200,
        body: { imported: 0, alreadyOptedOut: 3, alreadyImported: 1 },
      });
      const ledger = await consentOf(list[0]);
      expect({ optedOut: ledger.optedOut, history: ledger.history.map((e) => `${e.kind} ${e.source}`) }).toEqual({
        optedOut: false,
        history: ['OPT_IN ADMIN', 'OPT_OUT IMPORT'],
      });
      // opt-ins import too, and a repeated row of one file is in the state the row before left
      const optIns = await importCsv(`address,kind\n${list[1]},OPT_IN\n${list[1]},OPT_IN\n${list[0]},OPT_IN\n`);
      expect(answer(optIns)).toMatchObject({
        status: 200,
        body: { imported: 1, alreadyOptedIn: 2, rejected: 0 },
      });
      expect((await consentOf(list[1])).optedOut).toBe(false);
    });

    it('exports a ledger larger than one page, every opted-out customer once, in address order', async () => {
      const list = phones(2_500);
      const report = await importCsv(`address\n${list.join('\n')}\n`, `?channelId=${chat.id}`);
      expect(answer(report)).toMatchObject({ status: 200, body: { imported: 2_500, rejected: 0 } });
      const rows = csvRows((await exportCsv(chat)).text).slice(1);
      const addresses = rows.map((r) => r[0]);
      const expected = [...list, 'user/42 ü+x'].sort();
      expect({ count: addresses.length, unique: new Set(addresses).size }).toEqual({
        count: expected.length,
        unique: expected.length,
      });
      expect(new Set(addresses)).toEqual(new Set(expected));
    });

    it('refuses a broken file as a whole, recording nothing, with a 4xx in the error shape', async () => {
      const [gil] = phones(1);
      const nul = expectError(await importCsv(`address,reason\n${gil},ok\n${gil},a\u0000b\n`), 400);
      expect(nul.message).toBe(
        'the CSV has a NUL character (\\u0000) in row 2, column reason: PostgreSQL cannot store it',
      );
      expect(expectError(await importCsv(`address\n"${gil}\n`), 400).message).toContain('could not be read');
      expect(expectError(await importCsv(`address,optedOut\n${gil},yes\n`), 400).message).toContain(
        'unknown CSV column "optedOut"',
      );
      expect(expectError(await importCsv(''), 400).message).toContain('empty');
      expect(expectError(await importCsv(`address\n${gil}\n`, ''), 400).details).toEqual([
        { field: 'channelId', problems: ['channelId is required (query parameter or column)'] },
      ]);
      expectError(await importCsv(`address\n${gil}\n`, '?channelId=nope'), 400);
      expectError(await importCsv(`address\n${gil}\n`, `?channelId=${UNKNOWN_ID}`), 404);
      expectError(await admin.post(`/api/v1/opt-outs/import?channelId=${sms.id}`, { address: gil }), 415);
      expectError(
        await admin.post(
          `/api/v1/opt-outs/import?channelId=${sms.id}`,
          Buffer.from(`address\n${gil},Jos\xe9\n`, 'latin1'),
          CSV,
        ),
        400,
      );
      const tooMany = `address\n${phones(100_001).join('\n')}\n`;
      expect(expectError(await importCsv(tooMany), 400).message).toBe('the CSV has more than 100000 rows');
      expect((await admin.get(path(gil))).status).toBe(404);
      expectError(await admin.get('/api/v1/opt-outs/export'), 400);
      expectError(await admin.get(`/api/v1/opt-outs/export?channelId=${UNKNOWN_ID}`), 404);
    }, 60_000);

    it('refuses an upload that declares more than 20 MiB before reading it (413)', async () => {
      const key = (await t.app.get(ApiKeysService).create({ name: 'upload', scopes: ['optouts:write'] }, OPERATOR)).key;
      const connection = await RawConnection.open(t.http.baseUrl);
      try {
        connection.write(
          `POST /api/v1/opt-outs/import?channelId=${sms.id} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${key}\r\n` +
            `Content-Type: text/csv\r\nContent-Length: ${21 * 1024 * 1024}\r\n\r\naddress\n`,
        );
        const res = await connection.nextResponse(10_000);
        expect({ status: res?.status, body: JSON.parse(res?.body ?? '{}') as unknown }).toEqual({
          status: 413,
          body: {
            statusCode: 413,
            error: 'Payload Too Large',
            message: 'the CSV is larger than 20 MiB',
            requestId: res?.headers['x-request-id'],
          },
        });
      } finally {
        connection.close();
      }
    });
  });

  describe('auth', () => {
    it('needs a key, optouts:read to read and optouts:write to change', async () => {
      const [hal] = phones(1);
      await admin.put(path(hal));
      const routes = {
        get: (c: HttpClient) => c.get(path(hal)),
        export: (c: HttpClient) => c.get(`/api/v1/opt-outs/export?channelId=${sms.id}`),
        put: (c: HttpClient) => c.put(path(hal)),
        delete: (c: HttpClient) => c.delete(path(hal)),
        import: (c: HttpClient) => c.post(`/api/v1/opt-outs/import?channelId=${sms.id}`, `address\n${hal}\n`, CSV),
      };
      const reader = await t.clientWithScopes('optouts:read');
      const unrelated = await t.clientWithScopes('campaigns:write');
      const statuses: Record<string, number[]> = {};
      for (const [name, call] of Object.entries(routes)) {
        statuses[name] = [(await call(t.http)).status, (await call(unrelated)).status, (await call(reader)).status];
      }
      expect(statuses).toEqual({
        get: [401, 403, 200],
        export: [401, 403, 200],
        put: [401, 403, 403],
        delete: [401, 403, 403],
        import: [401, 403, 403],
      });
      expect((await consentOf(hal)).history).toHaveLength(1); // none of the refused calls changed anything
      expectError(await t.http.put(path(hal)), 401);
    });
  });
});
