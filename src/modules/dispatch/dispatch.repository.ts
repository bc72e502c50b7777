import { Injectable } from '@nestjs/common';
import type { Campaign, CampaignRecipient, CampaignStatus, RecipientStatus } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';
import {
  OPEN_RECIPIENT_STATUSES,
  TERMINAL_RECIPIENT_STATUSES,
  campaignAllowedFrom,
  recipientAllowedFrom,
} from '@/modules/campaigns/campaign.state';

/** Recipients per status, plus `rateLimited`: the 429 answers CXone gave the campaign's sends so far. */
export type StatusCounts = Partial<Record<RecipientStatus, number>> & { rateLimited?: number };

/** Everything a worker needs to send one recipient, read in the statement that claims the row. */
export type SendContext = Pick<CampaignRecipient, 'generation' | 'address' | 'name' | 'attempts' | 'rateLimitedCount'> &
  Pick<Campaign, 'channelId' | 'quietStartMinute' | 'quietEndMinute' | 'ignoreQuietHours'> & {
    /** The recipient's zone, else the campaign's, else UTC. */
    timeZone: string;
    recipientId: CampaignRecipient['id'];
    campaignId: CampaignRecipient['campaignId'];
    parameters: Record<string, string> | null;
    customFields: Record<string, string> | null;
    content: unknown;
    campaignCustomFields: Record<string, string>;
    /** WhatsApp: the template sent instead of free text outside the 24-hour window (null: skip those). */
    fallbackTemplate: unknown;
  };

/** A claimed recipient and the number of the send attempt in progress (429 restarts and crashes do not count). */
export type Attempt = Pick<SendContext, 'recipientId' | 'generation'> & { attempt: number };

export type RecipientRef = Pick<SendContext, 'recipientId' | 'generation'>;

/** A claimed recipient, with the customer's consent as the claiming statement read it. */
export type ClaimedRow = SendContext & { optedOut: boolean; lastInboundAt: Date | null };

export interface SentIds {
  contactId: string | null;
  threadId: string | null;
  messageId: string | null;
}

/** A recipient of a running campaign that is queued or in flight, with its campaign's channel. */
export type InFlightRow = Pick<
  CampaignRecipient,
  'id' | 'generation' | 'status' | 'attempts' | 'notBefore' | 'sendBatch'
> &
  Pick<Campaign, 'channelId'>;

export type QueuedRow = Pick<CampaignRecipient, 'id' | 'generation' | 'attempts' | 'notBefore' | 'sendBatch'>;

export type FinalStatus = Extract<
  RecipientStatus,
  'FAILED' | 'SKIPPED_OPTED_OUT' | 'SKIPPED_WINDOW' | 'SKIPPED_INVALID'
>;

export interface StalledCampaign {
  id: Campaign['id'];
  channelId: Campaign['channelId'];
  /** When one of its recipients last finished (or it started), ms since the epoch. */
  lastProgressAt: Date;
}

/**
 * The dispatch side of the campaign tables: queueing, the send hot path and the sweeper's checks. The campaigns
 * module writes campaigns and intake; this repository moves recipients through their state machine
 * (campaigns/campaign.state.ts): every status UPDATE takes its allowed `from` states from there, so a late or repeated
 * job can never move a row backwards or out of a terminal state. Each hot-path call is one statement.
 */
@Injectable()
export class DispatchRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Marks up to `limit` pending recipients of a running campaign QUEUED in a new generation, in the order they were
   * given, and returns them for their send jobs to be added. Concurrent dispatchers never take the same rows.
   *
   * First tries (no attempt yet, not deferred) of one generation are grouped into batches of up to `batchSize`, each
   * batch's rows naming its first row as their `send_batch`; retries and deferred rows get none (a job each). A batch
   * sends its rows one after another while `concurrency` batches run side by side, so batches are dealt like cards:
   * each run of `concurrency × batchSize` rows is split into as many batches as it fills, row i going to batch
   * i mod that number. The batches running together then send rows in about the order given (contiguous batches would
   * send row 0 and row 490 in the same moment).
   */
  async queuePending(
    campaignId: string,
    limit: number,
    batching: { batchSize: number; concurrency: number },
  ): Promise<QueuedRow[]> {
    const { rows } = await this.prisma.pool.query<QueuedRow & { seq: string }>(
      `WITH picked AS (
         SELECT r2.id, r2.seq, r2.generation, (r2.attempts = 0 AND r2.not_before IS NULL) AS first_try
         FROM campaign_recipient r2 JOIN campaign c ON c.id = r2.campaign_id
         WHERE r2.campaign_id = $1 AND r2.status = $3::"RecipientStatus" AND c.status = 'RUNNING'
         ORDER BY r2.seq LIMIT $2 FOR UPDATE OF r2 SKIP LOCKED),
       numbered AS (
         SELECT id, seq, generation, first_try,
           row_number() OVER (PARTITION BY first_try, generation ORDER BY seq) - 1 AS n
         FROM picked),
       dealt AS (
         SELECT id, seq, generation, first_try, n,
           (count(*) OVER (PARTITION BY first_try, generation, n / ($4 * $5)) + $4 - 1) / $4 AS batches
         FROM numbered),
       grouped AS (
         SELECT id, CASE WHEN first_try AND $4 > 1 THEN first_value(id) OVER (
             PARTITION BY first_try, generation, n / ($4 * $5), (n % ($4 * $5)) % batches ORDER BY seq) END AS head
         FROM dealt)
       UPDATE campaign_recipient r SET status = 'QUEUED', generation = r.generation + 1, queued_at = now(),
         updated_at = now(), send_batch = grouped.head
       FROM grouped
       WHERE r.id = grouped.id
       RETURNING r.id, r.generation, r.attempts, r.not_before AS "notBefore", r.send_batch AS "sendBatch", r.seq`,
      // One status as a value, not `= ANY(array)`: the (campaign, status, seq) index then hands rows over in seq order
      // and LIMIT stops after the batch; with ANY, PostgreSQL read and sorted every pending row of the campaign for
      // each batch of 1,000 (42,000 rows at 50,000 recipients). Without that edge in the machine: NULL, nothing.
      [
        campaignId,
        limit,
        among(recipientAllowedFrom('QUEUED'), 'PENDING')[0] ?? null,
        batching.batchSize,
        batching.concurrency,
      ],
    );
    // UPDATE … RETURNING does not keep the subquery's order.
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map(({ id, generation, attempts, notBefore, sendBatch }) => ({
        id,
        generation,
        attempts,
        notBefore,
        sendBatch,
      }));
  }

  /**
   * Rows leave their batch for a job of their own (a retry or a deferral waits on its own; the sweeper re-adds a lost
   * batch's rows one by one): a new generation, so the batch job, should it run again, can no longer claim them.
   * Only open rows of the given generation that are still in a batch; returns them as their own jobs need them.
   */
  async leaveBatch(refs: RecipientRef[]): Promise<QueuedRow[]> {
    if (refs.length === 0) return [];
    const { rows } = await this.prisma.pool.query<QueuedRow>(
      `UPDATE campaign_recipient r SET generation = r.generation + 1, send_batch = NULL, updated_at = now()
       FROM unnest($1::uuid[], $2::int[]) AS s(id, generation)
       WHERE r.id = s.id AND r.generation = s.generation AND r.send_batch IS NOT NULL
         AND r.status IN ('QUEUED', 'SENDING')
       RETURNING r.id, r.generation, r.attempts, r.not_before AS "notBefore", r.send_batch AS "sendBatch"`,
      [refs.map((r) => r.recipientId), refs.map((r) => r.generation)],
    );
    return rows;
  }

  /**
   * Claims recipients for sending, many in one statement (the send path's claims are group-committed): each only by
   * the job of its current generation, only while it is queued (or being sent by that same job before a crash), only
   * while its campaign runs. Answers in the refs' order; null: nothing to send. The customer's consent and last
   * message (for the check before the send) are read in the same statement.
   */
  async claimMany(refs: RecipientRef[]): Promise<Array<ClaimedRow | null>> {
    // Each row is reached by its id, whatever the tables' statistics say: the campaign is read in scalar subqueries
    // (not a join the planner may start from), the status test cannot use an index, and the contact is found by both
    // columns of its key from the claimed row. Written as a join with campaign, a table not analysed since its intake
    // (autovacuum off, or not run yet) made the planner read all of the campaign's open recipients for every claim:
    // 40 ms a statement at 50,000 recipients, growing with the campaign.
    const { rows } = await this.prisma.pool.query<ClaimedRow>({
      // prepared once per connection: PostgreSQL then skips parsing (and, once it trusts a generic plan, planning) it
      name: 'dispatch-claim-many',
      text: `WITH claimed AS (
         UPDATE campaign_recipient r SET status = 'SENDING', updated_at = now()
         FROM unnest($1::uuid[], $2::int[]) AS s(id, generation)
         WHERE r.id = s.id AND r.generation = s.generation AND r.status::text = ANY($3::text[])
           AND (SELECT c.status FROM campaign c WHERE c.id = r.campaign_id) = 'RUNNING'
         RETURNING r.id, r.generation, r.campaign_id, r.address, r.name, r.parameters, r.custom_fields, r.attempts,
           r.rate_limited_count, r.time_zone, (SELECT c.channel_id FROM campaign c WHERE c.id = r.campaign_id) AS channel_id)
       SELECT claimed.id AS "recipientId", claimed.generation, claimed.campaign_id AS "campaignId",
         claimed.channel_id AS "channelId", claimed.address, claimed.name, claimed.parameters,
         claimed.custom_fields AS "customFields", claimed.attempts, claimed.rate_limited_count AS "rateLimitedCount",
         c.content, c.custom_fields AS "campaignCustomFields", c.fallback_template AS "fallbackTemplate",
         c.quiet_start_minute AS "quietStartMinute", c.quiet_end_minute AS "quietEndMinute",
         c.ignore_quiet_hours AS "ignoreQuietHours", coalesce(claimed.time_zone, c.time_zone, 'UTC') AS "timeZone",
         coalesce(ct.opted_out, false) AS "optedOut", ct.last_inbound_at AS "lastInboundAt"
       FROM claimed JOIN campaign c ON c.id = claimed.campaign_id
       LEFT JOIN contact ct ON ct.channel_id = claimed.channel_id AND ct.address = claimed.address`,
      values: [refs.map((r) => r.recipientId), refs.map((r) => r.generation), recipientAllowedFrom('SENDING')],
    });
    const byRef = new Map(rows.map((row) => [`${row.recipientId}/${row.generation}`, row]));
    // (the same ref twice in one batch: only the first caller gets the row)
    return refs.map((ref) => {
      const key = `${ref.recipientId}/${ref.generation}`;
      const row = byRef.get(key) ?? null;
      byRef.delete(key);
      return row;
    });
  }

  /**
   * A job found its row's campaign paused or cancelled: the row (if still this generation's and open) goes back to
   * PENDING, to be queued again on resume, or is CANCELLED. Without this, a retry that comes due while its campaign is
   * paused would leave the row open with no job forever.
   */
  async releaseIfStopped(ref: RecipientRef): Promise<RecipientStatus | null> {
    const { rows } = await this.prisma.pool.query<{ status: RecipientStatus }>(
      `UPDATE campaign_recipient r
       SET status = (CASE WHEN c.status = 'CANCELLED' THEN 'CANCELLED' ELSE 'PENDING' END)::"RecipientStatus",
         finished_at = CASE WHEN c.status = 'CANCELLED' THEN now() ELSE r.finished_at END, updated_at = now()
       FROM campaign c
       WHERE r.id = $1 AND r.generation = $2 AND c.id = r.campaign_id AND c.status IN ('PAUSED', 'CANCELLED')
         AND r.status = ANY($3::"RecipientStatus"[])
       RETURNING r.status`,
      [ref.recipientId, ref.generation, openStatusesThatMayBecome('PENDING')],
    );
    return rows[0]?.status ?? null;
  }

  /** Ends a claimed recipient without a send (FAILED or SKIPPED_*); false when it was no longer ours. */
  async finish(
    ctx: Attempt,
    status: FinalStatus,
    failureReason: string | null,
    lastError: string | null,
  ): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = $3, failure_reason = $4, last_error = $5, finished_at = now(), updated_at = now(),
         attempts = greatest(attempts, $7)
       WHERE id = $1 AND generation = $2 AND status = ANY($6::"RecipientStatus"[])`,
      [
        ctx.recipientId,
        ctx.generation,
        status,
        failureReason,
        truncate(lastError),
        among(recipientAllowedFrom(status), 'SENDING'),
        ctx.attempt,
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Gives back a claimed row whose campaign stopped while it waited for a rate slot: PENDING (paused; queued again on
   * resume) or CANCELLED.
   */
  async release(ref: RecipientRef, to: Extract<RecipientStatus, 'PENDING' | 'CANCELLED'>): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = $3::"RecipientStatus", updated_at = now(),
         finished_at = CASE WHEN $3::text = 'CANCELLED' THEN now() ELSE finished_at END
       WHERE id = $1 AND generation = $2 AND status = ANY($4::"RecipientStatus"[])`,
      [ref.recipientId, ref.generation, to, among(recipientAllowedFrom(to), 'SENDING')],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * A transient failure that will be retried: the row goes back to QUEUED (waiting for its job's retry), with the
   * attempt counted and the error visible. Pausing the campaign meanwhile returns it to PENDING like any queued row.
   */
  async retryLater(ctx: Attempt, error: string): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = 'QUEUED', last_error = $3, attempts = $4, updated_at = now()
       WHERE id = $1 AND generation = $2 AND status = ANY($5::"RecipientStatus"[])`,
      [ctx.recipientId, ctx.generation, truncate(error), ctx.attempt, among(recipientAllowedFrom('QUEUED'), 'SENDING')],
    );
    return (rowCount ?? 0) > 0;
  }

  /** A claimed row that will not be sent by this run of its job after all (no slot soon, or shutting down): QUEUED
   * again, waiting for the job's next run, with no attempt counted. */
  async unclaim(ref: RecipientRef): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = 'QUEUED', updated_at = now()
       WHERE id = $1 AND generation = $2 AND status = ANY($3::"RecipientStatus"[])`,
      [ref.recipientId, ref.generation, among(recipientAllowedFrom('QUEUED'), 'SENDING')],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * A claimed row in its quiet hours: QUEUED again, not to be sent before `until` (kept here, so the sweeper re-adds a
   * lost job with the same delay, and stall detection and progress know it waits), with no attempt counted.
   */
  async defer(ref: RecipientRef, until: Date): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = 'QUEUED', not_before = $3, updated_at = now()
       WHERE id = $1 AND generation = $2 AND status = ANY($4::"RecipientStatus"[])`,
      [ref.recipientId, ref.generation, until, among(recipientAllowedFrom('QUEUED'), 'SENDING')],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Open recipients waiting for their quiet hours to end, per campaign (campaigns with none are absent). Reads the
   * partial index of rows that were ever deferred (campaign_recipient_deferred_idx), not every open row: the cost
   * follows the deferred rows, not the campaign's size.
   */
  async deferredCounts(campaignIds: string[]): Promise<Map<string, number>> {
    if (campaignIds.length === 0) return new Map();
    const { rows } = await this.prisma.pool.query<{ campaignId: string; count: number }>(
      `SELECT campaign_id AS "campaignId", count(*)::int AS count FROM campaign_recipient
       WHERE campaign_id = ANY($1::uuid[]) AND status = ANY($2::"RecipientStatus"[])
         AND not_before IS NOT NULL AND not_before > now()
       GROUP BY campaign_id`,
      [campaignIds, OPEN_RECIPIENT_STATUSES],
    );
    return new Map(rows.map((r) => [r.campaignId, r.count]));
  }

  /** Counts a 429 against the recipient and returns its new total. */
  async noteRateLimited(ref: RecipientRef, error: string): Promise<number> {
    const { rows } = await this.prisma.pool.query<{ count: number }>(
      `UPDATE campaign_recipient SET rate_limited_count = rate_limited_count + 1, last_error = $3, updated_at = now()
       WHERE id = $1 AND generation = $2 RETURNING rate_limited_count AS count`,
      [ref.recipientId, ref.generation, truncate(error)],
    );
    return rows[0]?.count ?? 0;
  }

  /** What dispatching a campaign needs to know about it. */
  async campaignForDispatch(campaignId: string): Promise<Pick<Campaign, 'status' | 'channelId'> | null> {
    const { rows } = await this.prisma.pool.query<Pick<Campaign, 'status' | 'channelId'>>(
      'SELECT status, channel_id AS "channelId" FROM campaign WHERE id = $1',
      [campaignId],
    );
    return rows[0] ?? null;
  }

  /** The campaign's status (for the check just before a send), null when it no longer exists. */
  async campaignStatus(campaignId: string): Promise<CampaignStatus | null> {
    const { rows } = await this.prisma.pool.query<{ status: CampaignStatus }>(
      'SELECT status FROM campaign WHERE id = $1',
      [campaignId],
    );
    return rows[0]?.status ?? null;
  }

  /**
   * Notes progress (a recipient of the campaign finished) and completes the campaign if it runs and nothing is left
   * to send. Returns whether it completed.
   */
  async noteProgressAndCompleteIfDone(campaignId: string): Promise<boolean> {
    const { rows } = await this.prisma.pool.query<{ status: CampaignStatus }>(
      `WITH left_to_send AS (
         SELECT EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = $1 AND r.status = ANY($2::"RecipientStatus"[])) AS any)
       UPDATE campaign c SET last_progress_at = now(), updated_at = now(),
         status = CASE WHEN l.any THEN c.status ELSE 'COMPLETED' END,
         completed_at = CASE WHEN l.any THEN c.completed_at ELSE now() END
       FROM left_to_send l
       WHERE c.id = $1 AND c.status = ANY($3::"CampaignStatus"[])
       RETURNING c.status`,
      [campaignId, OPEN_RECIPIENT_STATUSES, among(campaignAllowedFrom('COMPLETED'), 'RUNNING')],
    );
    return rows[0]?.status === 'COMPLETED';
  }

  /** Completes the campaign if it runs and nothing is left to send. */
  async completeIfDone(campaignId: string): Promise<boolean> {
    return (await this.complete(campaignId)).length > 0;
  }

  /** Completes every running campaign with nothing left to send; returns their ids. */
  completeAllDone(): Promise<string[]> {
    return this.complete(null);
  }

  /** Scheduled campaigns whose time has come, switched to RUNNING; returns their ids. */
  async startDueScheduled(): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `UPDATE campaign SET status = 'RUNNING', started_at = coalesce(started_at, now()), updated_at = now()
       WHERE status = ANY($1::"CampaignStatus"[]) AND scheduled_at <= now() RETURNING id`,
      [among(campaignAllowedFrom('RUNNING'), 'SCHEDULED')],
    );
    return rows.map((r) => r.id);
  }

  async startScheduledIfDue(campaignId: string): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign SET status = 'RUNNING', started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = $1 AND status = ANY($2::"CampaignStatus"[]) AND scheduled_at <= now()`,
      [campaignId, among(campaignAllowedFrom('RUNNING'), 'SCHEDULED')],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Running campaigns with pending recipients nobody has queued for `olderThanMs` (their dispatch was lost). */
  async campaignsWithIdlePending(olderThanMs: number): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `SELECT c.id FROM campaign c WHERE c.status = 'RUNNING' AND EXISTS (
         SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = c.id AND r.status = 'PENDING'
           AND r.updated_at <= now() - make_interval(secs => $1))`,
      [olderThanMs / 1000],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Queued or in-flight recipients of running campaigns untouched for `olderThanMs` (0: all of them), oldest first,
   * after `after` (the last id of the previous batch, for a full pass): their job may be lost. A routine check
   * (`olderThanMs` > 0) leaves out rows waiting for their quiet hours to end: a night's deferred rows would otherwise
   * be the oldest batch at every sweep; a lost job of one is found as soon as its window opens.
   */
  async staleInFlight(olderThanMs: number, limit: number, after?: string): Promise<InFlightRow[]> {
    const { rows } = await this.prisma.pool.query<InFlightRow>(
      `SELECT r.id, r.generation, r.status, r.attempts, r.not_before AS "notBefore", r.send_batch AS "sendBatch",
         c.channel_id AS "channelId"
       FROM campaign_recipient r JOIN campaign c ON c.id = r.campaign_id
       WHERE r.status IN ('QUEUED', 'SENDING') AND r.updated_at <= now() - make_interval(secs => $1) AND c.status = 'RUNNING'
         AND ($3::uuid IS NULL OR r.id > $3::uuid)
         AND ($1 = 0 OR r.not_before IS NULL OR r.not_before <= now())
       ORDER BY ${after === undefined && olderThanMs > 0 ? 'r.updated_at' : 'r.id'} LIMIT $2`,
      [olderThanMs / 1000, limit, after ?? null],
    );
    return rows;
  }

  /**
   * Rows whose job finished without finishing them (completed or failed in Redis, yet still QUEUED or SENDING) go
   * back to PENDING, for the campaign's next dispatch to queue them in a new generation. Returns their campaigns.
   */
  async requeueStranded(rows: RecipientRef[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const { rows: campaigns } = await this.prisma.pool.query<{ campaignId: string }>(
      `UPDATE campaign_recipient r SET status = 'PENDING', updated_at = now()
       FROM unnest($1::uuid[], $2::int[]) AS s(id, generation)
       WHERE r.id = s.id AND r.generation = s.generation AND r.status = ANY($3::"RecipientStatus"[])
       RETURNING r.campaign_id AS "campaignId"`,
      [rows.map((r) => r.recipientId), rows.map((r) => r.generation), openStatusesThatMayBecome('PENDING')],
    );
    return [...new Set(campaigns.map((c) => c.campaignId))];
  }

  /** Marks rows as just checked, so the sweeper moves on to others. */
  async touch(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.prisma.pool.query('UPDATE campaign_recipient SET updated_at = now() WHERE id = ANY($1::uuid[])', [ids]);
  }

  /**
   * Campaigns running or paused, and those finished within `finishedWithinMs` (replies keep coming after the last
   * send), newest first, at most `limit`.
   */
  async recentCampaignIds(finishedWithinMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `SELECT id FROM campaign
       WHERE kind = 'CAMPAIGN' AND (status IN ('RUNNING', 'PAUSED')
         OR (status IN ('COMPLETED', 'CANCELLED') AND updated_at > now() - make_interval(secs => $1 / 1000.0)))
       ORDER BY created_at DESC LIMIT $2`,
      [finishedWithinMs, limit],
    );
    return rows.map((r) => r.id);
  }

  async activeCampaignIds(): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `SELECT id FROM campaign WHERE status IN ('RUNNING', 'PAUSED')`,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Recipients per status for each campaign, and the 429s its sends met: read from campaign_recipient_count, which
   * statement-level triggers on campaign_recipient keep exact (see the recipient_counts migration), so the answer
   * costs a few index rows per campaign however many recipients it has. Statuses without recipients are absent.
   */
  async countsByStatus(campaignIds: string[]): Promise<Map<string, StatusCounts>> {
    const result = new Map<string, StatusCounts>();
    if (campaignIds.length === 0) return result;
    const { rows } = await this.prisma.pool.query<{
      campaignId: string;
      status: RecipientStatus;
      count: number;
      rateLimited: number;
    }>(
      `SELECT campaign_id AS "campaignId", status, recipients::int AS count, rate_limited::int AS "rateLimited"
       FROM campaign_recipient_count WHERE campaign_id = ANY($1::uuid[]) AND recipients > 0`,
      [campaignIds],
    );
    for (const row of rows) {
      const counts = result.get(row.campaignId) ?? { rateLimited: 0 };
      counts[row.status] = row.count;
      counts.rateLimited = (counts.rateLimited ?? 0) + row.rateLimited;
      result.set(row.campaignId, counts);
    }
    return result;
  }

  /**
   * Running campaigns with recipients due to send that have not made progress (no recipient finished) since
   * `before`: their dispatch may be stalled. Recipients waiting for their quiet hours to end are not due, and one
   * whose window opened counts from when it opened (a campaign deferred overnight is not stalled the morning after).
   */
  async stalledCampaigns(before: Date): Promise<StalledCampaign[]> {
    const { rows } = await this.prisma.pool.query<StalledCampaign>(
      `SELECT c.id, c.channel_id AS "channelId",
         greatest(coalesce(c.last_progress_at, c.started_at, c.created_at), w.opened) AS "lastProgressAt"
       FROM campaign c
       CROSS JOIN LATERAL (
         SELECT max(r.not_before) AS opened FROM campaign_recipient r
         WHERE r.campaign_id = c.id AND r.status = ANY($2::"RecipientStatus"[]) AND r.not_before <= now()) w
       WHERE c.status = 'RUNNING' AND coalesce(c.last_progress_at, c.started_at, c.created_at) < $1
         AND (w.opened IS NULL OR w.opened < $1)
         AND EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = c.id AND r.status = ANY($2::"RecipientStatus"[])
           AND (r.not_before IS NULL OR r.not_before <= now()))`,
      [before, OPEN_RECIPIENT_STATUSES],
    );
    return rows;
  }

  private async complete(campaignId: string | null): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `UPDATE campaign c SET status = 'COMPLETED', completed_at = now(), updated_at = now()
       WHERE c.status = ANY($3::"CampaignStatus"[]) AND ($1::uuid IS NULL OR c.id = $1::uuid)
         AND NOT EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = c.id AND r.status = ANY($2::"RecipientStatus"[]))
       RETURNING id`,
      [campaignId, OPEN_RECIPIENT_STATUSES, among(campaignAllowedFrom('COMPLETED'), 'RUNNING')],
    );
    return rows.map((r) => r.id);
  }
}

/**
 * The statuses among `wanted` that the state machine allows here: a statement meant for one edge (e.g. SENDING →
 * PENDING) matches nothing if the machine no longer has that edge, instead of moving rows along an edge it forbids.
 */
function among<S extends string>(allowed: readonly S[], ...wanted: S[]): S[] {
  return wanted.filter((s) => allowed.includes(s));
}

/** Open statuses a row may leave for `to` (e.g. QUEUED and SENDING may go back to PENDING). */
function openStatusesThatMayBecome(to: RecipientStatus): RecipientStatus[] {
  return recipientAllowedFrom(to).filter((s) => !TERMINAL_RECIPIENT_STATUSES.includes(s));
}

function truncate(text: string | null): string | null {
  return text && text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
