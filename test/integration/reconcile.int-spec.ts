import {
  allRecipients,
  Campaign,
  Channel,
  createCampaign,
  phones,
  registerChannel,
  waitForCampaign,
} from '@test/factories/campaigns';
import { QueueKeeper } from '@/infra/queue/queue-keeper';
import { QueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { startTestApp, TestApp } from '@test/helpers/app';
import { withClient } from '@test/helpers/database';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

interface SimRequest {
  operation: string;
  status: number | null;
  body?: { recipients?: Array<{ idOnExternalPlatform: string }> };
}
interface ThreadView {
  id: string;
  status: string;
  messages: Array<{ author: string; content: { text?: string; payload?: { text?: string } } }>;
}

/**
 * Reconciliation against the simulator with no webhook: CXone never pushes anything, so whatever Threadline learns
 * of the customers' answers it learns by reading the open proactive threads' messages back (GET
 * /contacts/{n}/messages) on a fast schedule.
 */
describe('reconciliation: replies and STOPs learnt with no webhook', () => {
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
  const send = async (to: string[]): Promise<Campaign> => {
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      recipients: to.map((address) => ({ to: address })),
      start: true,
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
  const said = (thread: ThreadView): Array<[string, string | undefined]> =>
    thread.messages.map((m) => [m.author, m.content.text ?? m.content.payload?.text]);
  const query = <T>(sql: string, params: unknown[]): Promise<T[]> =>
    withClient(t.db.url, async (c) => (await c.query(sql, params)).rows as T[]);

  beforeAll(async () => {
    // no SIMULATOR_WEBHOOK_URL: the simulator pushes no events at all
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({
      ...sim.appEnv,
      SWEEPER_INTERVAL_MS: '60000',
      RECONCILE_INTERVAL_MS: '200',
      RECONCILE_MIN_DELAY_MS: '300',
    });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 100 });
    const config = (await sim.control.get<{ webhookUrl: string | null }>('/sim/config')).body;
    expect(config.webhookUrl).toBeNull();
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('learns a HELP and then a STOP by reading the thread back, and skips the customer from then on', async () => {
    // only Threadline's own record of the STOP may stop the next send: CXone does not refuse it here
    await sim.control.patch('/sim/config', { nativeOptOut: false });
    try {
      const [ana, bo] = phones(2);
      const first = await send([ana, bo]);
      await reply(ana, 'HELP');
      const helped = await eventually(
        () => threadOf(first.id, ana),
        (th) => th.messages.length >= 2 && th.status === 'REPLIED',
        { what: 'HELP read back onto the alert’s thread, the thread answered', timeoutMs: 10_000 },
      );
      expect({ status: helped.status, said: said(helped).slice(0, 2) }).toEqual({
        status: 'REPLIED',
        said: [
          ['SYSTEM', 'Your flight is cancelled'],
          ['CUSTOMER', 'HELP'],
        ],
      });

      await reply(ana, 'STOP');
      const stopped = await eventually(
        () =>
          query<{ kind: string; source: string }>(
            `SELECT e.kind, e.source FROM consent_event e JOIN contact c ON c.id = e.contact_id
             WHERE c.channel_id = $1 AND c.address = $2 ORDER BY e.occurred_at`,
            [sms.id, ana],
          ),
        (rows) => rows.length > 0,
        { what: `${ana}'s STOP read back and recorded`, timeoutMs: 10_000 },
      );
      expect(stopped).toEqual([{ kind: 'OPT_OUT', source: 'KEYWORD' }]);
      const thread = await threadOf(first.id, ana);
      expect(said(thread).filter(([author]) => author === 'CUSTOMER')).toEqual([
        ['CUSTOMER', 'HELP'],
        ['CUSTOMER', 'STOP'],
      ]);

      const sentBefore = (await outboundTo(ana)).length;
      const second = await send([ana, bo]);
      const rows = (await allRecipients(admin, second.id)).sort((a, b) => a.address.localeCompare(b.address));
      expect(rows.map((r) => [r.address, r.status])).toEqual([
        [ana, 'SKIPPED_OPTED_OUT'],
        [bo, 'SENT'],
      ]);
      expect({ outboundToAnaAfterStop: (await outboundTo(ana)).length - sentBefore }).toEqual({
        outboundToAnaAfterStop: 0,
      });
    } finally {
      await sim.control.patch('/sim/config', { nativeOptOut: true });
    }
  }, 30_000);

  it('stores a message once when the webhook brought it before reconciliation read it', async () => {
    const [cy] = phones(1);
    const campaign = await send([cy]);
    await sim.control.patch('/sim/config', {
      webhookUrl: `${t.http.baseUrl}/webhooks/cxone/default`,
      webhookAuth: 'hmac',
    });
    try {
      await reply(cy, 'Thanks, rebooked');
      await eventually(
        () => threadOf(campaign.id, cy),
        (th) => th.messages.length >= 2,
        { what: 'the reply, by either path', timeoutMs: 10_000 },
      );
    } finally {
      await sim.control.patch('/sim/config', { webhookUrl: null });
    }
    const thread = await threadOf(campaign.id, cy);
    // reconciliation reads the thread again after the reply (the newest message it has seen moves past it)
    await eventually(
      () =>
        query<{ seen: Date | null; replied: Date | null }>(
          'SELECT last_seen_message_at AS seen, last_customer_at AS replied FROM thread WHERE id = $1',
          [thread.id],
        ),
      ([row]) => row.seen !== null && row.replied !== null && row.seen >= row.replied,
      { what: 'reconciliation read the answered thread', timeoutMs: 10_000 },
    );
    expect(said(await threadOf(campaign.id, cy))).toEqual([
      ['SYSTEM', 'Your flight is cancelled'],
      ['CUSTOMER', 'Thanks, rebooked'],
    ]);
  }, 30_000);

  it('re-creates its job scheduler when Redis lost it', async () => {
    const queue = t.app.get(QueueService).staticQueue(QueueName.Inbound);
    await queue.removeJobScheduler('reconcile-threads');

    await t.app.get(QueueKeeper).check();

    expect(await queue.getJobScheduler('reconcile-threads')).toMatchObject({ key: 'reconcile-threads', every: 200 });
  });
});

describe('reconciliation turned off', () => {
  it('has no job scheduler, and removes one an earlier configuration left', async () => {
    const off = await startTestApp({ RECONCILE_ENABLED: 'false', SIMULATOR_EMBEDDED: 'false' });
    try {
      const queue = off.app.get(QueueService).staticQueue(QueueName.Inbound);
      expect(await queue.getJobScheduler('reconcile-threads')).toBeUndefined();
      await queue.upsertJobScheduler('reconcile-threads', { every: 1000 }, { name: 'inbound.reconcile', data: {} });

      await off.app.get(QueueKeeper).check();

      expect(await queue.getJobScheduler('reconcile-threads')).toBeUndefined();
      expect(await queue.getJobScheduler('sweep-cxone-events')).toMatchObject({ key: 'sweep-cxone-events' });
    } finally {
      await off.close();
    }
  });
});
