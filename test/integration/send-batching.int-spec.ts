import { MetricsService } from '@/infra/metrics/metrics.service';
import { recipientAllowedFrom } from '@/modules/campaigns/campaign.state';
import { ThreadsService } from '@/modules/threads/threads.service';
import { Channel, createCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { withClient } from '@test/helpers/database';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

interface Row {
  id: string;
  generation: number;
  campaignId: string;
  address: string;
}

/**
 * The send path's group commit of SENT records against the real database: the alerts of concurrent sends share one
 * statement, and what one statement writes for many is what one statement each would have written.
 */
describe('SENT records of concurrent sends, group-committed', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;

  const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    withClient(t.db.url, async (c) => (await c.query(sql, params)).rows as T[]);
  const counter = async (name: string): Promise<number> => {
    const metric = (await t.app.get(MetricsService).registry.getSingleMetric(name)?.get())?.values ?? [];
    return metric.filter((v) => v.labels.writer === 'sent_alerts').reduce((sum, v) => sum + v.value, 0);
  };

  beforeAll(async () => {
    sim = await startSimulator();
    t = await startTestApp({ ...sim.appEnv, SWEEPER_INTERVAL_MS: '60000' });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('records many sends in one statement, a customer in two campaigns included (one contact, two threads)', async () => {
    const [shared, other, third] = phones(3);
    const first = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: shared }, { to: other }] });
    const second = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: shared }, { to: third }] });
    const rows = await query<Row>(
      `UPDATE campaign_recipient SET status = 'SENDING' WHERE campaign_id = ANY($1::uuid[])
       RETURNING id, generation, campaign_id AS "campaignId", address`,
      [[first.id, second.id]],
    );
    const statementsBefore = await counter('threadline_group_commit_statements_total');

    const threads = t.app.get(ThreadsService);
    const recorded = await Promise.all(
      rows.map((row, i) =>
        threads.recordSentAlert(
          {
            channelId: sms.id,
            contact: { address: row.address, displayName: i === 0 ? 'Ada' : null },
            thread: {
              idOnExternalPlatform: `thread-${row.id}`,
              campaignId: row.campaignId,
              cxoneContactId: `contact-${i}`,
              cxoneThreadId: `cxthread-${i}`,
            },
            message: {
              idOnExternalPlatform: `message-${row.id}`,
              cxoneMessageId: `cxmessage-${i}`,
              content: { type: 'TEXT', text: `alert ${i}` },
            },
          },
          { recipientId: row.id, generation: row.generation, attempt: 1, fromStatuses: recipientAllowedFrom('SENT') },
        ),
      ),
    );

    expect(recorded).toEqual([true, true, true, true]);
    expect({
      statements: (await counter('threadline_group_commit_statements_total')) - statementsBefore,
      fallbacks: await counter('threadline_group_commit_fallbacks_total'),
    }).toEqual({ statements: 1, fallbacks: 0 });
    const sent = await query<{ address: string; status: string; cxoneMessageId: string }>(
      `SELECT address, status, cxone_message_id AS "cxoneMessageId" FROM campaign_recipient
       WHERE campaign_id = ANY($1::uuid[]) ORDER BY cxone_message_id`,
      [[first.id, second.id]],
    );
    expect(sent.map((r) => r.status)).toEqual(['SENT', 'SENT', 'SENT', 'SENT']);
    const contacts = await query<{ address: string; displayName: string | null; threads: number; messages: number }>(
      `SELECT c.address, c.display_name AS "displayName", count(DISTINCT t.id)::int AS threads, count(m.id)::int AS messages
       FROM contact c JOIN thread t ON t.contact_id = c.id JOIN message m ON m.thread_id = t.id
       WHERE c.channel_id = $1 GROUP BY c.address, c.display_name ORDER BY c.address`,
      [sms.id],
    );
    expect(contacts).toEqual(
      [
        { address: shared, displayName: rows[0].address === shared ? 'Ada' : null, threads: 2, messages: 2 },
        { address: other, displayName: rows[0].address === other ? 'Ada' : null, threads: 1, messages: 1 },
        { address: third, displayName: null, threads: 1, messages: 1 },
      ].sort((a, b) => a.address.localeCompare(b.address)),
    );

    // the same sends recorded again (a retried job): nothing changes, nothing is recorded twice
    const again = await threads.recordSentAlert(
      {
        channelId: sms.id,
        contact: { address: rows[1].address, displayName: null },
        thread: {
          idOnExternalPlatform: `thread-${rows[1].id}`,
          campaignId: rows[1].campaignId,
          cxoneContactId: 'contact-1',
          cxoneThreadId: 'cxthread-1',
        },
        message: { idOnExternalPlatform: `message-${rows[1].id}`, cxoneMessageId: 'cxmessage-1', content: {} },
      },
      { recipientId: rows[1].id, generation: rows[1].generation, attempt: 1, fromStatuses: ['SENDING'] },
    );
    expect(again).toBe(false);
    expect(
      (await query<{ n: number }>('SELECT count(*)::int AS n FROM message WHERE channel_id = $1', [sms.id]))[0],
    ).toEqual({
      n: 4,
    });
  });
});
