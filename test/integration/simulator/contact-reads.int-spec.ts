import type { DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import type { HttpClient, HttpResponse } from '@test/helpers/http';
import { CHAT, newMessage, SimulatorHarness, SMS, startSimulator } from './simulator-harness';

interface ReadStats {
  total: number;
  lastHour: number;
  rateLimited: number;
}

interface Stats {
  contactReads: ReadStats & { byTenant: Record<string, ReadStats> };
  rateLimitedTotal: number;
}

const OTHER_TENANT = {
  tenantId: 'tenant-reads-b',
  clientId: 'client-reads-b',
  clientSecret: 'secret-reads-b',
  accessKeyId: 'key-reads-b',
  accessKeySecret: 'key-secret-reads-b',
};

describe('CXone simulator: the DFO read budget and contact messages', () => {
  let sim: SimulatorHarness;
  let dfo: HttpClient;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await sim.reset();
    dfo = await sim.dfo();
  });

  const stats = async (): Promise<Stats> => (await sim.control.get<Stats>('/sim/stats')).body;
  const aContact = async (): Promise<string> =>
    (
      await sim.control.post<DfoMessageResponse>('/sim/customer/reply', {
        channelId: SMS,
        from: '+15559000001',
        text: 'Hi',
      })
    ).body.consumerContact!.id;

  describe('"get contact (incl. contact messages)": a token bucket per tenant', () => {
    it('admits contactReadBurst reads across the three read routes, then answers 429 with Retry-After', async () => {
      await sim.control.patch('/sim/config', { contactReadBurst: 3, contactReadsPerHour: 360 });
      const contact = await aContact();

      const reads = [
        await dfo.get('/dfo/3.0/contacts'),
        await dfo.get(`/dfo/3.0/contacts/${contact}`),
        await dfo.get(`/dfo/3.0/contacts/${contact}/messages`),
      ];
      type Refusal = { errors: Array<{ errorCode: string }> };
      const refused = [
        await dfo.get<Refusal>(`/dfo/3.0/contacts/${contact}/messages`),
        await dfo.get<Refusal>('/dfo/3.0/contacts'),
        await dfo.get<Refusal>(`/dfo/3.0/contacts/${contact}`),
      ];

      expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(refused.map((r) => [r.status, r.headers.get('retry-after')])).toEqual([
        [429, '10'], // 360 an hour: one more every 10 seconds
        [429, '10'],
        [429, '10'],
      ]);
      expect(refused.map((r) => r.body.errors.map((e) => e.errorCode))).toEqual([
        ['tooManyRequests'],
        ['tooManyRequests'],
        ['tooManyRequests'],
      ]);
      const s = await stats();
      expect(s.contactReads).toEqual({
        total: 3,
        lastHour: 3,
        rateLimited: 3,
        byTenant: { 'threadline-dev-tenant': { total: 3, lastHour: 3, rateLimited: 3 } },
      });
      expect(s.rateLimitedTotal).toBe(3);
    });

    it('keeps a separate budget per tenant', async () => {
      await sim.control.patch('/sim/config', { contactReadBurst: 1, contactReadsPerHour: 1 });
      await sim.control.post('/sim/tenants', OTHER_TENANT);
      const other = await sim.dfo(await sim.token(OTHER_TENANT));

      const a = [await dfo.get('/dfo/3.0/contacts'), await dfo.get('/dfo/3.0/contacts')];
      const b = [await other.get('/dfo/3.0/contacts'), await other.get('/dfo/3.0/contacts')];

      expect(a.map((r) => r.status)).toEqual([200, 429]);
      expect(b.map((r) => r.status)).toEqual([200, 429]);
      expect(a[1].headers.get('retry-after')).toBe('3600');
      expect((await stats()).contactReads.byTenant).toEqual({
        'threadline-dev-tenant': { total: 1, lastHour: 1, rateLimited: 1 },
        'tenant-reads-b': { total: 1, lastHour: 1, rateLimited: 1 },
      });
    });

    it('refills at contactReadsPerHour', async () => {
      await sim.control.patch('/sim/config', { contactReadBurst: 1, contactReadsPerHour: 1 });
      const first = await dfo.get('/dfo/3.0/contacts');
      const refused = await dfo.get('/dfo/3.0/contacts');

      // 360 million an hour is 100 a millisecond: the time between two requests refills the bucket.
      await sim.control.patch('/sim/config', { contactReadsPerHour: 360_000_000 });
      const refilled = await dfo.get('/dfo/3.0/contacts');

      expect([first.status, refused.status, refilled.status]).toEqual([200, 429, 200]);
    });

    it('counts reads of unknown contacts, not writes, definitions or other routes', async () => {
      await sim.control.patch('/sim/config', { contactReadBurst: 2, contactReadsPerHour: 1 });
      const contact = await aContact();

      const missing = await dfo.get('/dfo/3.0/contacts/1234567890123456');
      await dfo.put(`/dfo/3.0/contacts/${contact}/status`, { status: 'open' });
      await dfo.put(`/dfo/3.0/contacts/${contact}/custom-fields`, [{ ident: 'booking_ref', value: 'X' }]);
      await dfo.get('/dfo/3.0/contacts/custom-field-definitions');
      await dfo.get('/dfo/3.0/consumer-contact-custom-fields');
      await dfo.get(`/dfo/3.0/channels/${SMS}/external-platform-templates`);
      const second = await dfo.get(`/dfo/3.0/contacts/${contact}`);
      const third = await dfo.get(`/dfo/3.0/contacts/${contact}`);

      expect([missing.status, second.status, third.status]).toEqual([404, 200, 429]);
      expect((await stats()).contactReads).toMatchObject({ total: 2, rateLimited: 1 });
    });

    it('defaults to 120,000 an hour with a burst of 2,000, and validates the settings', async () => {
      const config = await sim.control.get<Record<string, unknown>>('/sim/config');
      const invalid = await sim.control.patch<{ details: Array<{ field: string }> }>('/sim/config', {
        contactReadsPerHour: 0,
        contactReadBurst: 1.5,
      });

      expect(config.body).toMatchObject({ contactReadsPerHour: 120_000, contactReadBurst: 2_000 });
      expect(invalid.status).toBe(400);
      expect(invalid.body.details.map((d) => d.field).sort()).toEqual(['contactReadBurst', 'contactReadsPerHour']);
    });
  });

  describe('GET /contacts/{n}/messages', () => {
    const T = Date.parse('2030-01-01T10:00:00.000Z');
    const at = (seconds: number): string => new Date(T + seconds * 1000).toISOString();
    const thread = { idOnExternalPlatform: 'thread-history' };

    interface Listed {
      hits: number;
      data: Array<{ idOnExternalPlatform: string; direction: string; createdAtWithMilliseconds: string }>;
    }

    /** Four messages of one contact, created out of time order: m0 (inbound, T) … m3 (inbound, T-1 s, written last). */
    const history = async (): Promise<string> => {
      const write = (id: string, direction: 'inbound' | 'outbound', seconds: number) =>
        dfo.post<DfoMessageResponse>(
          `/dfo/3.0/channels/${CHAT}/messages`,
          newMessage({ idOnExternalPlatform: id, direction, thread, createdAtWithMilliseconds: at(seconds) }),
        );
      const first = await write('m0', 'inbound', 0);
      await write('m1', 'outbound', 1);
      await write('m2', 'inbound', 2);
      await write('m3', 'inbound', -1);
      return first.body.consumerContact!.id;
    };
    const ids = (res: HttpResponse<Listed>): string[] => res.body.data.map((m) => m.idOnExternalPlatform);

    it('lists oldest first by message time by default, newest first with sortingType=desc', async () => {
      const contact = await history();

      const byDefault = await dfo.get<Listed>(`/dfo/3.0/contacts/${contact}/messages`);
      const desc = await dfo.get<Listed>(`/dfo/3.0/contacts/${contact}/messages?sortingType=desc`);
      const asc = await dfo.get<Listed>(`/dfo/3.0/contacts/${contact}/messages?sortingType=asc`);

      expect(byDefault.body.hits).toBe(4);
      expect(ids(byDefault)).toEqual(['m3', 'm0', 'm1', 'm2']);
      expect(ids(desc)).toEqual(['m2', 'm1', 'm0', 'm3']);
      expect(ids(asc)).toEqual(['m3', 'm0', 'm1', 'm2']);
    });

    it('follows the contactMessagesOrder setting when no sortingType is given', async () => {
      const contact = await history();
      await sim.control.patch('/sim/config', { contactMessagesOrder: 'desc' });

      const listed = await dfo.get<Listed>(`/dfo/3.0/contacts/${contact}/messages`);
      const asc = await dfo.get<Listed>(`/dfo/3.0/contacts/${contact}/messages?sortingType=asc`);

      expect(ids(listed)).toEqual(['m2', 'm1', 'm0', 'm3']);
      expect(ids(asc)).toEqual(['m3', 'm0', 'm1', 'm2']);
    });

    it('filters by direction and by since (messages created at or after it), for polling', async () => {
      const contact = await history();
      const get = (query: string) => dfo.get<Listed>(`/dfo/3.0/contacts/${contact}/messages?${query}`);

      const inbound = await get('direction=inbound');
      const outbound = await get('direction=outbound');
      const since = await get(`since=${encodeURIComponent(at(1))}`);
      const newInbound = await get(`direction=inbound&since=${encodeURIComponent(at(0))}&sortingType=desc`);

      expect(ids(inbound)).toEqual(['m3', 'm0', 'm2']);
      expect(ids(outbound)).toEqual(['m1']);
      expect(ids(since)).toEqual(['m1', 'm2']);
      expect(ids(newInbound)).toEqual(['m2', 'm0']);
      expect(newInbound.body.hits).toBe(2);
    });

    it('answers bad parameters with a DFO-shaped 400 naming them', async () => {
      const contact = await history();

      const res = await dfo.get<{ errors: Array<{ field: string }> }>(
        `/dfo/3.0/contacts/${contact}/messages?sortingType=newest&direction=up&since=yesterday`,
      );
      const missing = await dfo.get('/dfo/3.0/contacts/9999999999999999/messages');

      expect(res.status).toBe(400);
      expect(res.body.errors.map((e) => e.field)).toEqual(['sortingType', 'direction', 'since']);
      expect(missing.status).toBe(404);
    });
  });
});
