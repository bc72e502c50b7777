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
import { dispatchQueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

interface SimRequest {
  seq: number;
  operation: string;
  status: number;
  at: number;
  body?: { idOnExternalPlatform?: string; recipients?: Array<{ idOnExternalPlatform: string }> };
}

const CONCURRENCY = 10;

/**
 * Promises the send path keeps under CXone faults, against the simulator: a retry that comes due while its campaign
 * is paused, retries behind a backlog, the order recipients were given, and a discovery outage after start-up.
 */
describe('dispatch under CXone faults', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;

  const outbound = async (): Promise<SimRequest[]> =>
    (await sim.control.get<SimRequest[]>('/sim/requests?operation=outbound')).body;
  const idOf = (r: SimRequest): string | undefined => r.body?.idOnExternalPlatform;
  const toOf = (r: SimRequest): string | undefined => r.body?.recipients?.[0]?.idOnExternalPlatform;

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({
      ...sim.appEnv,
      DISPATCH_CONCURRENCY: String(CONCURRENCY),
      SWEEPER_INTERVAL_MS: '60000',
      // first retries 1-2 s after a 5xx: long enough to pause in between, deterministically
      DISPATCH_RETRY_BASE_MS: '2000',
    });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });
  beforeEach(async () => {
    await sim.control.post('/sim/reset');
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 40 });
  });

  it('brings every recipient to a final state when a 5xx retry comes due while the campaign is paused', async () => {
    await sim.control.post('/sim/faults', { kind: '5xx', count: 3, operation: 'outbound' });
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: phones(100).map((to) => ({ to })),
    });
    await eventually(outbound, (rs) => rs.filter((r) => r.status >= 500).length === 3, { what: 'three 5xx answers' });

    const paused = await admin.post<Campaign>(`/api/v1/campaigns/${campaign.id}/pause`);
    expect(paused.status).toBe(200);
    // the three retries come due while paused (1-2 s after their 5xx); every row must end up resumable
    await eventually(
      () => getCampaign(admin, campaign.id),
      (c) => c.counts.queued === 0 && c.counts.sending === 0,
      { what: 'nothing queued or in flight while paused', timeoutMs: 10_000 },
    );
    const failedOnce = (await outbound()).filter((r) => r.status >= 500).map(idOf);
    // the retries' jobs come due and run while paused
    const queue = t.app.get(QueueService).dynamicQueue(dispatchQueueName(sms.accountId));
    await eventually(
      () => queue.getJobCounts('delayed', 'waiting', 'prioritized', 'active'),
      (c) => c.delayed + c.waiting + c.prioritized + c.active === 0,
      { what: 'the delayed retries to come due while paused', timeoutMs: 10_000 },
    );

    await admin.post(`/api/v1/campaigns/${campaign.id}/resume`);
    const done = await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);

    expect(done.counts).toMatchObject({ total: 100, sent: 100, sending: 0, queued: 0, pending: 0 });
    const notSent = (await allRecipients(admin, campaign.id)).filter((r) => r.status !== 'SENT');
    expect(notSent).toEqual([]);
    const sentIds = new Set((await outbound()).filter((r) => r.status === 200).map(idOf));
    expect(failedOnce.filter((id) => !sentIds.has(id))).toEqual([]);
  });

  it('sends a 5xx retry when its backoff ends, ahead of recipients not yet tried', async () => {
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 100 });
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: phones(400).map((to) => ({ to })),
    });
    await eventually(outbound, (rs) => rs.length >= 20, { what: 'the first sends' });
    await sim.control.post('/sim/faults', { kind: '5xx', count: 3, operation: 'outbound' });
    await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);

    const requests = (await outbound()).sort((a, b) => a.seq - b.seq);
    const failures = requests.filter((r) => r.status >= 500);
    expect(failures).toHaveLength(3);
    // how many first tries of other recipients went out between each 5xx and its retry
    const overtakenBy = failures.map((failure) => {
      const retry = requests.find((r) => r.seq > failure.seq && idOf(r) === idOf(failure));
      const between = requests.filter((r) => r.seq > failure.seq && r.seq < (retry?.seq ?? Infinity));
      return { id: idOf(failure), retried: retry !== undefined, overtakenBy: between.length };
    });
    // 1-2 s of backoff at 100/s plus what was already in flight: well under the ~350 recipients still waiting
    expect(overtakenBy.filter((f) => !f.retried || f.overtakenBy > 250)).toEqual([]);
  });

  it('sends recipients in the order they were given', async () => {
    const given = phones(200);
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: given.map((to) => ({ to })),
    });
    await waitForCampaign(admin, campaign.id, 'COMPLETED', 60_000);

    const sentOrder = (await outbound())
      .filter((r) => r.status === 200)
      .sort((a, b) => a.seq - b.seq)
      .map(toOf);
    const position = new Map(given.map((to, i) => [to, i]));
    // concurrent sends may swap neighbours, never more than the sends in flight at once (each sent exactly once)
    expect(sentOrder).toHaveLength(200);
    const displaced = sentOrder
      .map((to, i) => ({ to, sentAt: i, givenAt: position.get(to!) ?? -1 }))
      .filter((r) => Math.abs(r.sentAt - r.givenAt) > CONCURRENCY);
    expect(displaced).toEqual([]);
  });

  it('keeps sending through a CXone discovery outage once discovery has succeeded', async () => {
    const first = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: phones(3).map((to) => ({ to })),
    });
    await waitForCampaign(admin, first.id);
    // every token expires and discovery answers 5xx from now on
    await sim.control.post('/sim/tokens/expire');
    await sim.control.post('/sim/faults', { kind: '5xx', count: 50, operation: 'discovery' });

    const second = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: phones(5).map((to) => ({ to })),
    });
    const done = await waitForCampaign(admin, second.id);

    expect(done.counts).toMatchObject({ total: 5, sent: 5 });
    const touchedByDiscovery = (await allRecipients(admin, second.id)).filter(
      (r) => r.attempts !== 1 || r.lastError !== null,
    );
    expect(touchedByDiscovery).toEqual([]);
    const discovery = (await sim.control.get<SimRequest[]>('/sim/requests?operation=discovery')).body;
    expect(discovery).toEqual([]);
    await sim.control.delete('/sim/faults');
  });
});
