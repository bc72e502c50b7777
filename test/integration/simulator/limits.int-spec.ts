import type { DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { maxInSlidingWindow } from '@/infra/rate-limit/window-stats';
import type { HttpClient, HttpResponse } from '@test/helpers/http';
import { CHAT, newMessage, SimulatorHarness, SMS, startSimulator, textOutbound } from './simulator-harness';

interface OutboundStats {
  outbound: {
    accepted: number;
    rateLimited: number;
    worstSlidingSecond: number;
    perSecond: Array<{ second: number; accepted: number; rateLimited: number }>;
    firstAt: number;
    lastAt: number;
    byTenant: Record<string, { accepted: number; worstSlidingSecond: number }>;
  };
  rateLimitedTotal: number;
}

describe('CXone simulator: limits', () => {
  let sim: SimulatorHarness;
  let dfo: HttpClient;

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '40' });
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await sim.reset();
    dfo = await sim.dfo();
  });

  const send = (client: HttpClient, i: number): Promise<HttpResponse<unknown>> =>
    client.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound(`+1555100${String(i).padStart(4, '0')}`));

  describe('outbound: at most outboundRatePerSecond in any sliding second, per tenant', () => {
    it('answers a burst of 200 concurrent sends with 429 + Retry-After beyond 40, and changes nothing for them', async () => {
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => send(dfo, i)));

      const accepted = answers.filter((a) => a.status === 200);
      const limited = answers.filter((a) => a.status === 429);
      expect(accepted.length + limited.length).toBe(200);
      expect(accepted.length).toBeGreaterThan(0);
      expect(limited.length).toBeGreaterThan(0);
      for (const answer of limited) {
        const retryAfter = answer.headers.get('retry-after');
        expect(retryAfter).toMatch(/^\d+$/);
        expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
        expect(answer.body).toMatchObject({ errors: [expect.objectContaining({ errorCode: 'tooManyRequests' })] });
      }

      const stats = (await sim.control.get<OutboundStats>('/sim/stats')).body;
      expect(stats.outbound.accepted).toBe(accepted.length);
      expect(stats.outbound.rateLimited).toBe(limited.length);
      expect(stats.outbound.worstSlidingSecond).toBeLessThanOrEqual(40);
      expect(stats.outbound.perSecond.reduce((sum, s) => sum + s.accepted, 0)).toBe(accepted.length);

      const log = await sim.control.get<Array<{ at: number; status: number }>>('/sim/requests?operation=outbound');
      expect(log.body).toHaveLength(200);
      const acceptedAt = log.body.filter((e) => e.status === 200).map((e) => e.at);
      expect(acceptedAt).toHaveLength(accepted.length);
      expect(maxInSlidingWindow(acceptedAt, 1000)).toBeLessThanOrEqual(40);
      const stored = await sim.control.get<unknown[]>('/sim/messages');
      expect(stored.body).toHaveLength(accepted.length);
    });

    it('gives an HTTP date in Retry-After when retryAfterFormat is http-date', async () => {
      await sim.control.request('PATCH', '/sim/config', { retryAfterFormat: 'http-date', outboundRatePerSecond: 1 });

      const first = await send(dfo, 1);
      const second = await send(dfo, 2);

      expect(first.status).toBe(200);
      expect(second.status).toBe(429);
      const retryAfter = second.headers.get('retry-after')!;
      expect(retryAfter).toMatch(/GMT$/);
      const at = Date.parse(retryAfter);
      expect(at).toBeGreaterThan(Date.now() - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 2000);
    });

    it('keeps a separate budget per tenant', async () => {
      await sim.control.request('PATCH', '/sim/config', { outboundRatePerSecond: 2 });
      const other = {
        tenantId: 'tenant-b',
        clientId: 'client-b',
        clientSecret: 'secret-b',
        accessKeyId: 'key-b',
        accessKeySecret: 'key-secret-b',
      };
      await sim.control.post('/sim/tenants', other);
      const dfoB = await sim.dfo(await sim.token(other));

      const a = await Promise.all([1, 2, 3].map((i) => send(dfo, i)));
      const b = await Promise.all([4, 5].map((i) => send(dfoB, i)));

      expect(a.map((r) => r.status).sort()).toEqual([200, 200, 429]);
      expect(b.map((r) => r.status)).toEqual([200, 200]);
      const stats = (await sim.control.get<OutboundStats>('/sim/stats')).body;
      expect(stats.outbound.byTenant['tenant-b']).toMatchObject({ accepted: 2, worstSlidingSecond: 2 });
    });

    it('counts a deduplicated repeat as a call, without storing it', async () => {
      await sim.control.request('PATCH', '/sim/config', { outboundRatePerSecond: 1 });
      const body = textOutbound('+15551009999', 'x', { idOnExternalPlatform: 'dup-under-limit' });

      const first = await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, body);
      const repeat = await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, body);

      expect(first.status).toBe(200);
      expect(repeat.status).toBe(429);
    });
  });

  describe('per-contact bucket (update specific contact)', () => {
    it('refuses updates of one contact once its bucket is empty, not of others, and refills', async () => {
      await sim.control.request('PATCH', '/sim/config', { contactBucketBurst: 2, contactBucketRefillPerMinute: 1 });
      const thread = { idOnExternalPlatform: 'busy-thread' };
      const created = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ thread }));
      const contact = created.body.consumerContact!.id;
      const other = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, newMessage());

      const first = await dfo.put(`/dfo/3.0/contacts/${contact}/status`, { status: 'open' });
      const second = await dfo.post(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ thread }));
      const third = await dfo.put(`/dfo/3.0/contacts/${contact}/custom-fields`, [{ ident: 'booking_ref', value: 'X' }]);
      const otherContact = await dfo.put(`/dfo/3.0/contacts/${other.body.consumerContact!.id}/status`, {
        status: 'open',
      });

      expect(first.status).toBe(204);
      expect(second.status).toBe(200);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(otherContact.status).toBe(204);
      expect(
        (await sim.control.get<unknown[]>('/sim/messages?threadIdOnExternalPlatform=busy-thread')).body,
      ).toHaveLength(2);

      // One token a minute: the simulator's clock moves a minute on instead of the test waiting for it.
      await sim.control.post('/sim/clock', { advanceMs: 60_000 });

      expect((await dfo.put(`/dfo/3.0/contacts/${contact}/status`, { status: 'pending' })).status).toBe(204);
    });
  });
});
