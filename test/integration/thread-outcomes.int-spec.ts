import { Client, type Pool } from 'pg';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { Campaign, Channel, createCampaign, getCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient } from '@test/helpers/http';

interface OutcomeRow {
  campaignId: string;
  replied: number;
  optedOut: number;
  autoClosed: number;
}

/**
 * Campaign progress reads each campaign's reply outcomes (answered, opted out by a message, auto-closed unanswered)
 * from campaign_thread_outcome, which row-level triggers on thread keep. Whatever moves threads, one at a time or
 * many in one statement, from several connections at once, the kept outcomes must equal a GROUP BY of the threads,
 * and the campaign GET must answer them.
 */
describe('campaign thread outcomes', () => {
  let t: TestApp;
  let admin: HttpClient;
  let channel: Channel;
  let pool: Pool;

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLE: 'api' });
    admin = await t.clientWithScopes('admin');
    channel = await registerChannel(admin, 'sms_threadline_dev');
    pool = t.app.get(PrismaService).pool;
  });
  afterAll(() => t.close());

  /** What the threads say, per campaign (campaigns with no outcome left out). */
  const counted = async (): Promise<OutcomeRow[]> =>
    (
      await pool.query<OutcomeRow>(
        `SELECT * FROM (
           SELECT campaign_id AS "campaignId", count(*) FILTER (WHERE first_reply_at IS NOT NULL)::int AS replied,
             count(*) FILTER (WHERE opted_out_at IS NOT NULL)::int AS "optedOut",
             count(*) FILTER (WHERE status = 'CLOSED' AND close_reason = 'UNANSWERED')::int AS "autoClosed"
           FROM thread WHERE campaign_id IS NOT NULL GROUP BY campaign_id) o
         WHERE replied + "optedOut" + "autoClosed" > 0 ORDER BY "campaignId"`,
      )
    ).rows;

  /** What the triggers kept (campaigns whose outcomes all went back to zero are not news). */
  const kept = async (): Promise<OutcomeRow[]> =>
    (
      await pool.query<OutcomeRow>(
        `SELECT campaign_id AS "campaignId", replied::int, opted_out::int AS "optedOut", auto_closed::int AS "autoClosed"
         FROM campaign_thread_outcome WHERE replied + opted_out + auto_closed <> 0 ORDER BY campaign_id`,
      )
    ).rows;

  const expectKeptToMatch = async (): Promise<void> => expect(await kept()).toEqual(await counted());

  /** `count` proactive threads of `campaign` (answered already, or not), each with its own contact; their ids. */
  const addThreads = async (campaign: Campaign, count: number, answered = false): Promise<string[]> => {
    const { rows } = await pool.query<{ id: string }>(
      `WITH ct AS (
         INSERT INTO contact (id, channel_id, address, updated_at)
         SELECT gen_random_uuid(), $1, a, now() FROM unnest($3::text[]) a RETURNING id, address)
       INSERT INTO thread (id, channel_id, contact_id, id_on_external_platform, origin, status, campaign_id,
                           first_reply_at, updated_at)
       SELECT gen_random_uuid(), $1, ct.id, 'thread-' || ct.address, 'PROACTIVE',
              (CASE WHEN $4 THEN 'REPLIED' ELSE 'AWAITING_REPLY' END)::"ThreadStatus", $2,
              CASE WHEN $4 THEN now() END, now()
       FROM ct ORDER BY ct.address RETURNING id`,
      [channel.id, campaign.id, phones(count), answered],
    );
    return rows.map((r) => r.id);
  };
  const update = (set: string, ids: string[]): Promise<unknown> =>
    pool.query(`UPDATE thread SET ${set}, updated_at = now() WHERE id = ANY($1::uuid[])`, [ids]);

  it('follows replies, opt-outs, auto-closes and their undoing, moves between campaigns and deletions', async () => {
    const a = await createCampaign(admin, { channelId: channel.id, start: false });
    const b = await createCampaign(admin, { channelId: channel.id, start: false });
    const threads = await addThreads(a, 30);
    await addThreads(b, 10);
    await expectKeptToMatch(); // (no outcome yet: nothing kept)
    expect(await kept()).toEqual([]);

    // inserted with an outcome already (a reply recorded with the thread)
    await addThreads(a, 2, true);
    await expectKeptToMatch();

    // one reply, then many in one statement; an opt-out by message on an answered thread and on an unanswered one
    await update(`first_reply_at = now(), status = 'REPLIED'`, threads.slice(0, 1));
    await update(`first_reply_at = now(), status = 'REPLIED'`, threads.slice(1, 6));
    await update(`opted_out_at = now()`, [threads[1], threads[20]]);
    await expectKeptToMatch();

    // an auto-close that holds threads (reason set, still awaiting) counts nothing; closing them counts them all
    await update(`close_reason = 'UNANSWERED'`, threads.slice(10, 20));
    await expectKeptToMatch();
    await update(`status = 'CLOSED'`, threads.slice(10, 20));
    await update(`close_reason = NULL`, threads.slice(20, 21)); // a hold released
    await expectKeptToMatch();

    // the agent ends an answered one (not an auto-close); an auto-closed one is answered later and reopens
    await update(`status = 'CLOSED', close_reason = 'AGENT_ENDED'`, threads.slice(0, 1));
    await update(`status = 'REPLIED', close_reason = NULL, first_reply_at = now()`, threads.slice(10, 11));
    await expectKeptToMatch();

    // other columns change often and count nothing
    await update(`reconcile_at = now(), last_activity_at = now()`, threads);
    await expectKeptToMatch();

    // a thread moved to the other campaign, one taken out of any campaign, one deleted
    await update(`campaign_id = '${b.id}'`, threads.slice(12, 13));
    await update(`campaign_id = NULL`, threads.slice(13, 14));
    await pool.query(`DELETE FROM thread WHERE id = $1`, [threads[2]]);
    await expectKeptToMatch();

    // several connections closing and answering threads of the same campaign at once
    const clients = [0, 1, 2].map(() => new Client({ connectionString: t.db.url }));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const more = await addThreads(a, 30);
      await Promise.all(
        clients.map(async (c, i) => {
          const mine = more.filter((_, j) => j % 3 === i);
          await c.query('BEGIN');
          await c.query(`UPDATE thread SET status = 'CLOSED', close_reason = 'UNANSWERED' WHERE id = ANY($1)`, [
            mine.slice(0, 5),
          ]);
          await c.query(`UPDATE thread SET first_reply_at = now(), status = 'REPLIED' WHERE id = ANY($1)`, [
            mine.slice(5),
          ]);
          await c.query('COMMIT');
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    await expectKeptToMatch();

    // what the campaign GET answers
    const counts = await counted();
    for (const campaign of [a, b]) {
      const expected = counts.find((c) => c.campaignId === campaign.id)!;
      const { outcomes } = (await getCampaign(admin, campaign.id)) as unknown as { outcomes: Record<string, unknown> };
      expect({ ...outcomes, replyRate: undefined }).toEqual({
        replied: expected.replied,
        optedOut: expected.optedOut,
        autoClosed: expected.autoClosed,
        replyRate: undefined,
      });
    }

    // the campaign deleted with its channel: its threads and outcomes go with it
    await pool.query(`DELETE FROM campaign WHERE id = $1`, [b.id]);
    await expectKeptToMatch();
  });
});
