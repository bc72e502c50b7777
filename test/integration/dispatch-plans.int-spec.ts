import { Client } from 'pg';
import { DispatchRepository } from '@/modules/dispatch/dispatch.repository';
import { createCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { expectReadsAtMost as expectTableReadsAtMost, explainingPrisma, PlanNode, rowsRead } from '@test/helpers/plans';

const RECIPIENTS = 20_000;

/**
 * The send path's statements read only the rows they work on, whatever the planner's statistics say. With the
 * campaign table analysed before its recipients moved on (autovacuum off, or not run yet), the claim read every open
 * recipient of the campaign per statement and queuing sorted every pending one per batch: 40 ms and 150 ms a
 * statement at 50,000 recipients, growing with the campaign. Each statement runs under EXPLAIN ANALYZE in a
 * transaction that is rolled back.
 */
describe('dispatch statements against misleading statistics', () => {
  let t: TestApp;
  let client: Client;
  let campaignId: string;

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLE: 'api' });
    const admin = await t.clientWithScopes('admin');
    const channel = await registerChannel(admin, 'sms_threadline_dev');
    campaignId = (await createCampaign(admin, { channelId: channel.id, start: false })).id;
    const csv = `to\n${phones(RECIPIENTS).join('\n')}\n`;
    const upload = await admin.post(`/api/v1/campaigns/${campaignId}/recipients`, csv, { 'content-type': 'text/csv' });
    expect(upload.status).toBe(202);
    client = new Client({ connectionString: t.db.url });
    await client.connect();
    // Every recipient a known customer (as after an earlier campaign): a claim must look up only its own.
    await client.query(
      `INSERT INTO contact (id, channel_id, address, updated_at)
       SELECT gen_random_uuid(), c.channel_id, r.address, now()
       FROM campaign_recipient r JOIN campaign c ON c.id = r.campaign_id WHERE r.campaign_id = $1`,
      [campaignId],
    );
    await client.query('ANALYZE contact');
    // Statistics from when every recipient was PENDING; the campaign runs from here on (no worker in this app).
    await client.query('ANALYZE campaign_recipient');
    await client.query(`UPDATE campaign SET status = 'RUNNING' WHERE id = $1`, [campaignId]);
  });
  afterAll(async () => {
    await client?.end();
    await t.close();
  });

  /** A repository whose statements run under EXPLAIN ANALYZE, their plans collected in `plans` (no rows answered). */
  function explainingRepository(plans: PlanNode[], options: { generic?: boolean } = {}): DispatchRepository {
    return new DispatchRepository(explainingPrisma(client, plans, options));
  }

  /** Fails naming each statement that read more rows of campaign_recipient than its bound. */
  function expectReadsAtMost(reads: Record<string, [plan: PlanNode, most: number]>): void {
    expectTableReadsAtMost('campaign_recipient', reads);
  }

  /** Every recipient queued, which the statistics do not know: returns the refs of the first `count`. */
  async function queueAll(count: number): Promise<Array<{ recipientId: string; generation: number }>> {
    const { rows } = await client.query<{ id: string; generation: number }>(
      `UPDATE campaign_recipient SET status = 'QUEUED', generation = generation + 1 WHERE campaign_id = $1
       RETURNING id, generation`,
      [campaignId],
    );
    return rows.slice(0, count).map((r) => ({ recipientId: r.id, generation: r.generation }));
  }

  it('queues a batch reading about the batch, and claims reading only the claimed rows', async () => {
    const plans: PlanNode[] = [];
    const explaining = explainingRepository(plans);
    await client.query('BEGIN');
    try {
      await explaining.queuePending(campaignId, 100, { batchSize: 10, concurrency: 10 });
      await explaining.claimMany(await queueAll(10));

      // Queuing reads its 100 rows and updates them by id; the claim looks up its 10.
      expectReadsAtMost({ queue: [plans[0], 200], claim: [plans[1], 20] });
      expectTableReadsAtMost('contact', { claim: [plans[1], 20] });
      expect(rowsRead(plans[1], 'campaign_recipient')).toBeGreaterThanOrEqual(10); // (it did claim them)
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('claims reading only the claimed rows with the generic plan its prepared statement may settle on', async () => {
    const plans: PlanNode[] = [];
    const explaining = explainingRepository(plans, { generic: true });
    await client.query('BEGIN');
    try {
      await explaining.claimMany(await queueAll(10));

      expectReadsAtMost({ claim: [plans[0], 20] });
      expectTableReadsAtMost('contact', { claim: [plans[0], 20] });
      expect(rowsRead(plans[0], 'campaign_recipient')).toBeGreaterThanOrEqual(10); // (it did claim them)
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it("finds a running campaign's few stuck rows without reading the sent ones", async () => {
    const plans: PlanNode[] = [];
    const explaining = explainingRepository(plans);
    await client.query('BEGIN');
    try {
      // All but 5 sent; those 5 have been SENDING for an hour (their job lost), and 5 more PENDING as long.
      await client.query(
        `UPDATE campaign_recipient SET status = 'SENT', updated_at = now() - interval '1 hour' WHERE campaign_id = $1`,
        [campaignId],
      );
      await client.query(
        `UPDATE campaign_recipient SET status = CASE WHEN seq % 2 = 0 THEN 'SENDING' ELSE 'PENDING' END::"RecipientStatus"
         WHERE id IN (SELECT id FROM campaign_recipient WHERE campaign_id = $1 ORDER BY seq LIMIT 10)`,
        [campaignId],
      );
      await explaining.staleInFlight(60_000, 100);
      await explaining.campaignsWithIdlePending(60_000);
      expectReadsAtMost({ staleInFlight: [plans[0], 20], campaignsWithIdlePending: [plans[1], 20] });
      expect(rowsRead(plans[0], 'campaign_recipient')).toBeGreaterThanOrEqual(5); // (it did find them)
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
