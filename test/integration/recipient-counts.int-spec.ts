import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { type ClaimedRow, DispatchRepository, type SendContext } from '@/modules/dispatch/dispatch.repository';
import { ThreadsRepository } from '@/modules/threads/threads.repository';
import { Campaign, Channel, createCampaign, getCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient } from '@test/helpers/http';

interface CountRow {
  campaignId: string;
  status: string;
  recipients: number;
  rateLimited: number;
}

/**
 * Campaign progress reads per-(campaign, status) counts that statement-level triggers on campaign_recipient keep.
 * Whatever moves rows, however many at once and however concurrently, the kept counts must equal a GROUP BY of the
 * rows themselves, and the campaign GET must answer them.
 */
describe('campaign recipient counts', () => {
  let t: TestApp;
  let admin: HttpClient;
  let channel: Channel;
  let pool: Pool;
  let dispatch: DispatchRepository;
  let threads: ThreadsRepository;

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLE: 'api' });
    admin = await t.clientWithScopes('admin');
    channel = await registerChannel(admin, 'sms_threadline_dev');
    pool = t.app.get(PrismaService).pool;
    dispatch = t.app.get(DispatchRepository);
    threads = t.app.get(ThreadsRepository);
  });
  afterAll(() => t.close());

  /** What the rows say, per campaign and status. */
  const counted = async (): Promise<CountRow[]> =>
    (
      await pool.query<CountRow>(
        `SELECT campaign_id AS "campaignId", status::text, count(*)::int AS recipients,
           sum(rate_limited_count)::int AS "rateLimited"
         FROM campaign_recipient GROUP BY campaign_id, status ORDER BY campaign_id, status`,
      )
    ).rows;

  /** What the triggers kept (rows of statuses that have no recipients left are not news). */
  const kept = async (): Promise<CountRow[]> =>
    (
      await pool.query<CountRow>(
        `SELECT campaign_id AS "campaignId", status::text, recipients::int, rate_limited::int AS "rateLimited"
         FROM campaign_recipient_count WHERE recipients <> 0 OR rate_limited <> 0 ORDER BY campaign_id, status`,
      )
    ).rows;

  const upload = (campaignId: string, count: number): Promise<unknown> =>
    admin
      .post(`/api/v1/campaigns/${campaignId}/recipients`, `to\n${phones(count).join('\n')}\n`, {
        'content-type': 'text/csv',
      })
      .then((res) => expect(res.status).toBe(202));

  const addJson = (campaignId: string, count: number): Promise<unknown> =>
    admin
      .post(`/api/v1/campaigns/${campaignId}/recipients`, { recipients: phones(count).map((to) => ({ to })) })
      .then((res) => expect(res.status).toBe(202));

  const sent = async (ctx: SendContext, attempt: number): Promise<boolean> => {
    const [recorded] = await threads.recordSentAlerts(
      [
        {
          alert: {
            channelId: ctx.channelId,
            contact: { address: ctx.address, displayName: ctx.name },
            thread: {
              idOnExternalPlatform: `t-${ctx.recipientId}`,
              campaignId: ctx.campaignId,
              cxoneContactId: `c-${ctx.recipientId}`,
              cxoneThreadId: `th-${ctx.recipientId}`,
            },
            message: {
              idOnExternalPlatform: `m-${ctx.recipientId}`,
              cxoneMessageId: randomUUID(),
              content: { text: 'hi' },
            },
          },
          recipient: { recipientId: ctx.recipientId, generation: ctx.generation, attempt, fromStatuses: ['SENDING'] },
        },
      ],
      60_000,
    );
    return recorded;
  };

  it('match a GROUP BY of the rows after concurrent intake, claims, sends, failures, 429s, deferrals, pause and cancel', async () => {
    const campaigns: Campaign[] = await Promise.all(
      [0, 1, 2, 3].map(() =>
        createCampaign(admin, { channelId: channel.id, recipients: phones(300).map((to) => ({ to })) }),
      ),
    );
    const ids = campaigns.map((c) => c.id);
    for (const id of ids) expect((await admin.post(`/api/v1/campaigns/${id}/start`)).status).toBe(200);

    // Queue while more recipients arrive (CSV and JSON, into the same campaigns), several dispatchers per campaign.
    const queueing = ids.flatMap((id) =>
      [0, 1, 2].map(() => dispatch.queuePending(id, 80, { batchSize: 10, concurrency: 10 })),
    );
    const [queued] = await Promise.all([
      Promise.all(queueing).then((batches) => batches.flat()),
      ...ids.map((id) => upload(id, 150)),
      ...ids.map((id) => addJson(id, 50)),
    ]);
    expect(queued.length).toBe(ids.length * 240);

    // Claim them all at once (concurrent statements of 20 claims each, as the send path's group commit makes them),
    // then end them every way a send can end, together with a pause, a cancel, more intake and more queueing.
    const chunks = Array.from({ length: Math.ceil(queued.length / 20) }, (_, i) => queued.slice(i * 20, i * 20 + 20));
    const claimed = (
      await Promise.all(
        chunks.map((chunk) => dispatch.claimMany(chunk.map((r) => ({ recipientId: r.id, generation: r.generation })))),
      )
    )
      .flat()
      .filter((c): c is ClaimedRow => c !== null);
    const outcomes = claimed.map(async (ctx, i) => {
      const attempt = { recipientId: ctx.recipientId, generation: ctx.generation, attempt: 1 };
      switch (i % 7) {
        case 0:
        case 1:
          return sent(ctx, 1);
        case 2:
          return dispatch.finish(attempt, 'FAILED', 'TRANSIENT', 'HTTP 503');
        case 3:
          return dispatch.retryLater(attempt, 'HTTP 502');
        case 4:
          return dispatch.defer(attempt, new Date(Date.now() + 3_600_000));
        case 5:
          await dispatch.noteRateLimited(attempt, 'HTTP 429');
          await dispatch.noteRateLimited(attempt, 'HTTP 429');
          return dispatch.finish(attempt, 'FAILED', 'RATE_LIMITED', 'HTTP 429');
        default:
          return dispatch.unclaim(attempt);
      }
    });
    const [, , cancelled, paused] = campaigns;
    await Promise.all([
      ...outcomes,
      admin.post(`/api/v1/campaigns/${cancelled.id}/cancel`).then((res) => expect(res.status).toBe(200)),
      admin.post(`/api/v1/campaigns/${paused.id}/pause`).then((res) => expect(res.status).toBe(200)),
      upload(ids[0], 120),
      dispatch.queuePending(ids[1], 100, { batchSize: 10, concurrency: 10 }),
      dispatch.queuePending(ids[0], 100, { batchSize: 10, concurrency: 10 }),
    ]);
    // Retry-failed resets failed rows (and their 429 counts) to pending.
    expect((await admin.post(`/api/v1/campaigns/${ids[1]}/retry-failed`)).status).toBe(200);

    const rows = await counted();
    expect(rows.map((r) => r.status)).toEqual(expect.arrayContaining(['SENT', 'FAILED', 'QUEUED', 'CANCELLED']));
    expect(rows.filter((r) => r.rateLimited > 0)).not.toEqual([]);
    expect(await kept()).toEqual(rows);

    // And the campaign GET answers them: totals, per-status counts, the 429s and the deferred rows.
    const deferred = await pool.query<{ campaignId: string; n: number }>(
      `SELECT campaign_id AS "campaignId", count(*)::int AS n FROM campaign_recipient
       WHERE status IN ('PENDING', 'QUEUED', 'SENDING') AND not_before > now() GROUP BY campaign_id`,
    );
    for (const id of ids) {
      const view = await getCampaign(admin, id);
      const mine = rows.filter((r) => r.campaignId === id);
      const n = (status: string): number => mine.find((r) => r.status === status)?.recipients ?? 0;
      expect(view.counts).toMatchObject({
        total: mine.reduce((sum, r) => sum + r.recipients, 0),
        pending: n('PENDING'),
        queued: n('QUEUED'),
        sent: n('SENT'),
        failed: n('FAILED'),
        cancelled: n('CANCELLED'),
      });
      expect(view.progress.rateLimited).toBe(mine.reduce((sum, r) => sum + r.rateLimited, 0));
      expect((view.progress as { deferred?: number }).deferred).toBe(
        deferred.rows.find((r) => r.campaignId === id)?.n ?? 0,
      );
    }
  });

  it('drops the counts of a deleted campaign and leaves the others as they were', async () => {
    const doomed = await createCampaign(admin, { channelId: channel.id, recipients: phones(40).map((to) => ({ to })) });
    const other = await createCampaign(admin, { channelId: channel.id, recipients: phones(25).map((to) => ({ to })) });
    await pool.query('DELETE FROM campaign WHERE id = $1', [doomed.id]);

    const left = await kept();
    expect(left.filter((r) => r.campaignId === doomed.id)).toEqual([]);
    expect(left).toEqual(await counted());
    expect((await getCampaign(admin, other.id)).counts.total).toBe(25);
  });
});
