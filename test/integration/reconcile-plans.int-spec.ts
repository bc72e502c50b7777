import { Client } from 'pg';
import { ThreadsRepository } from '@/modules/threads/threads.repository';
import { registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { explainingPrisma, expectReadsAtMost, PlanNode, rowsRead } from '@test/helpers/plans';

const DUE_THREADS = 20_000;

/**
 * Reconciliation asks every second which accounts have a proactive thread due for a read, then claims the most
 * overdue few. Both read every due thread (and sorted them for the claim) when the index led with the status:
 * 20 and 30 ms a round at 40,000 sent alerts, growing with every alert sent. They now read one entry per channel and
 * as many threads as they claim. Each statement runs under EXPLAIN ANALYZE in a transaction that is rolled back.
 */
describe('reconciliation statements with thousands of threads due', () => {
  let t: TestApp;
  let client: Client;
  let accountId: string;
  let smsId: string;

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLE: 'api' });
    const admin = await t.clientWithScopes('admin');
    const sms = await registerChannel(admin, 'sms_threadline_dev');
    // a second channel of the same account, with nothing due: its probe must not wade through the other's threads
    await registerChannel(admin, 'whatsapp_threadline_dev', 'WHATSAPP');
    smsId = sms.id;
    client = new Client({ connectionString: t.db.url });
    await client.connect();
    accountId = (await client.query<{ account_id: string }>('SELECT account_id FROM channel WHERE id = $1', [sms.id]))
      .rows[0].account_id;
    // Alerts sent over the last hour, each due for a read a minute after it went out (most overdue: the oldest).
    await client.query(
      `WITH c AS (
         INSERT INTO contact (id, channel_id, address, updated_at)
         SELECT gen_random_uuid(), $1, '+1303' || (2000000 + g), now() FROM generate_series(1, $2) g
         RETURNING id, address)
       INSERT INTO thread (id, channel_id, contact_id, id_on_external_platform, origin, status, created_at, updated_at,
                           reconcile_at)
       SELECT gen_random_uuid(), $1, c.id, 'tl-t-' || c.address, 'PROACTIVE', 'AWAITING_REPLY',
         now() - make_interval(secs => 3600 - n), now(), now() - make_interval(secs => 3540 - n)
       FROM (SELECT id, address, row_number() OVER (ORDER BY address) AS n FROM c) c`,
      [sms.id, DUE_THREADS],
    );
    await client.query('ANALYZE thread');
  });
  afterAll(async () => {
    await client?.end();
    await t.close();
  });

  it('finds the accounts due and claims the most overdue threads reading about as many threads as it claims', async () => {
    const plans: PlanNode[] = [];
    const explaining = new ThreadsRepository(explainingPrisma(client, plans));
    const now = new Date();
    await client.query('BEGIN');
    try {
      await explaining.accountsDueForReconcile(now);
      await explaining.claimForReconcile(accountId, now, new Date(now.getTime() + 60_000), 12);

      expectReadsAtMost('thread', { accountsDue: [plans[0], 5], claim: [plans[1], 12 * 2 + 5] });
      expect(rowsRead(plans[1], 'thread')).toBeGreaterThanOrEqual(12); // (it did claim them)
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('answers with the account and the most overdue threads, oldest first', async () => {
    const repository = t.app.get(ThreadsRepository);
    const now = new Date();
    expect(await repository.accountsDueForReconcile(now)).toEqual([accountId]);
    const oldest = await client.query<{ id: string }>(
      `SELECT id FROM thread WHERE channel_id = $1 ORDER BY reconcile_at LIMIT 12`,
      [smsId],
    );
    const claimed = await repository.claimForReconcile(accountId, now, new Date(now.getTime() + 60_000), 12);
    expect(claimed.map((c) => c.id)).toEqual(oldest.rows.map((r) => r.id));
    // claimed: leased until then, so the next round's claim takes the next twelve
    const next = await repository.claimForReconcile(accountId, now, new Date(now.getTime() + 60_000), 12);
    expect(next.map((c) => c.id).filter((id) => claimed.some((c) => c.id === id))).toEqual([]);
    expect(next).toHaveLength(12);
  });
});
