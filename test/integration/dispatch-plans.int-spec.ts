import { Client } from 'pg';
import type { PrismaService } from '@/infra/prisma/prisma.service';
import { DispatchRepository } from '@/modules/dispatch/dispatch.repository';
import { createCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';

const RECIPIENTS = 20_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows of `table` the plan's scans read (returned or filtered out), over all their loops. */
function rowsRead(node: PlanNode, table: string): number {
  const own =
    node['Relation Name'] === table && /Scan/.test(node['Node Type'])
      ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) *
        node['Actual Loops']
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, table), 0);
}

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
    // Statistics from when every recipient was PENDING; the campaign runs from here on (no worker in this app).
    await client.query('ANALYZE campaign_recipient');
    await client.query(`UPDATE campaign SET status = 'RUNNING' WHERE id = $1`, [campaignId]);
  });
  afterAll(async () => {
    await client?.end();
    await t.close();
  });

  /** A repository whose statements run under EXPLAIN ANALYZE, their plans collected in `plans` (no rows answered). */
  function explainingRepository(plans: PlanNode[]): DispatchRepository {
    return new DispatchRepository({
      pool: {
        query: async (sql: string, params: unknown[]) => {
          const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
            `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
            params,
          );
          plans.push(rows[0]['QUERY PLAN'][0].Plan);
          return { rows: [] };
        },
      },
    } as unknown as PrismaService);
  }

  it('queues a batch reading about the batch, and claims reading only the claimed rows', async () => {
    const plans: PlanNode[] = [];
    const explaining = explainingRepository(plans);
    await client.query('BEGIN');
    try {
      await explaining.queuePending(campaignId, 100, { batchSize: 10, concurrency: 10 });
      // Every recipient queued, which the statistics do not know: the claim must still go by the ids it is given.
      const { rows } = await client.query<{ id: string; generation: number }>(
        `UPDATE campaign_recipient SET status = 'QUEUED', generation = generation + 1 WHERE campaign_id = $1
         RETURNING id, generation`,
        [campaignId],
      );
      await explaining.claimMany(rows.slice(0, 10).map((r) => ({ recipientId: r.id, generation: r.generation })));

      // Queuing reads its 100 rows and updates them by id; the claim looks up its 10 (rows read, and at most).
      const reads = {
        queue: [rowsRead(plans[0], 'campaign_recipient'), 200],
        claim: [rowsRead(plans[1], 'campaign_recipient'), 20],
      };
      expect(Object.entries(reads).filter(([, [read, most]]) => read > most)).toEqual([]);
      expect(reads.claim[0]).toBeGreaterThanOrEqual(10); // (it did claim them)
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
      const reads = {
        staleInFlight: [rowsRead(plans[0], 'campaign_recipient'), 20],
        campaignsWithIdlePending: [rowsRead(plans[1], 'campaign_recipient'), 20],
      };
      expect(Object.entries(reads).filter(([, [read, most]]) => read > most)).toEqual([]);
      expect(reads.staleInFlight[0]).toBeGreaterThanOrEqual(5); // (it did find them)
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
