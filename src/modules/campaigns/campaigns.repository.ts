import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as turn } from 'node:timers/promises';
import type { CampaignKind, CampaignStatus, RecipientStatus } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';
import {
  campaignAllowedFrom,
  OPEN_RECIPIENT_STATUSES,
  RETRYABLE_FAILURE_REASONS,
  recipientAllowedFrom,
} from './campaign.state';
import { ROWS_PER_YIELD } from './recipient-intake';
import type { AcceptedRecipient, RejectedRow } from './recipient-intake';

export interface CampaignRow {
  id: string;
  kind: CampaignKind;
  channelId: string;
  name: string;
  status: CampaignStatus;
  content: unknown;
  customFields: Record<string, string>;
  scheduledAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
}

export type NewCampaign = Omit<CampaignRow, 'startedAt' | 'completedAt' | 'createdAt'>;

/** A recipient row as intake writes it: pending, or already skipped by the pre-flight checks. */
export interface RecipientToInsert extends AcceptedRecipient {
  status: Extract<RecipientStatus, 'PENDING' | 'SKIPPED_OPTED_OUT' | 'SKIPPED_WINDOW'>;
}

export interface RecipientRow {
  id: string;
  campaignId: string;
  address: string;
  name: string | null;
  status: RecipientStatus;
  generation: number;
  attempts: number;
  rateLimitedCount: number;
  failureReason: string | null;
  lastError: string | null;
  cxoneContactId: string | null;
  cxoneThreadId: string | null;
  cxoneMessageId: string | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Everything a worker needs to send one recipient, read in the same statement that claims the row. */
export interface SendContext {
  recipientId: string;
  generation: number;
  campaignId: string;
  channelId: string;
  address: string;
  name: string | null;
  parameters: Record<string, string> | null;
  customFields: Record<string, string> | null;
  attempts: number;
  rateLimitedCount: number;
  content: unknown;
  campaignCustomFields: Record<string, string>;
}

/** A claimed recipient and the number of the send attempt in progress (429 restarts and crashes do not count). */
export type Attempt = Pick<SendContext, 'recipientId' | 'generation'> & { attempt: number };

export interface SentIds {
  contactId: string | null;
  threadId: string | null;
  messageId: string | null;
  threadExternalId: string;
  messageExternalId: string;
}

export interface SendGate {
  campaignStatus: CampaignStatus | null;
  optedOut: boolean;
  lastInboundAt: Date | null;
}

export interface InFlightRow {
  id: string;
  generation: number;
  status: RecipientStatus;
  channelId: string;
}

const RECIPIENT_COLUMNS = `id, campaign_id AS "campaignId", address, name, status, generation, attempts,
  rate_limited_count AS "rateLimitedCount", failure_reason AS "failureReason", last_error AS "lastError",
  cxone_contact_id AS "cxoneContactId", cxone_thread_id AS "cxoneThreadId", cxone_message_id AS "cxoneMessageId",
  sent_at AS "sentAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

const CAMPAIGN_COLUMNS = `id, kind, channel_id AS "channelId", name, status, content, custom_fields AS "customFields",
  scheduled_at AS "scheduledAt", started_at AS "startedAt", completed_at AS "completedAt", created_at AS "createdAt"`;

/**
 * Campaigns and their recipients (the outbox). Bulk intake uses COPY on a connection of Prisma's pool (Prisma has no
 * COPY, and createMany is ~10× slower); the send hot path uses single statements, each one round trip. Every status
 * change is guarded by the state machine in campaign.state.ts.
 */
@Injectable()
export class CampaignsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Campaign, recipients and rejected rows in one transaction: nothing is acknowledged that is not durable. */
  async createWithRecipients(
    campaign: NewCampaign,
    recipients: RecipientToInsert[],
    rejected: RejectedRow[],
  ): Promise<number> {
    return this.transaction(async (client) => {
      await client.query(
        `INSERT INTO campaign (id, kind, channel_id, name, status, content, custom_fields, scheduled_at, started_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::"CampaignStatus", $6, $7, $8, CASE WHEN $5::text = 'RUNNING' THEN now() END, now(), now())`,
        [
          campaign.id,
          campaign.kind,
          campaign.channelId,
          campaign.name,
          campaign.status,
          JSON.stringify(campaign.content),
          JSON.stringify(campaign.customFields),
          campaign.scheduledAt,
        ],
      );
      // A new campaign has no rows to collide with (intake already collapsed repeats): COPY straight into the table.
      await this.copyInto(client, 'campaign_recipient', campaign.id, recipients);
      await this.insertRejected(client, campaign.id, rejected);
      return recipients.length;
    });
  }

  /**
   * Adds recipients to a campaign that still accepts them; returns how many were new (others repeated an address
   * already in the campaign), or null when the campaign's status does not accept recipients.
   */
  async appendRecipients(
    campaignId: string,
    accepting: readonly CampaignStatus[],
    recipients: RecipientToInsert[],
    rejected: RejectedRow[],
  ): Promise<number | null> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ status: CampaignStatus }>(
        'SELECT status FROM campaign WHERE id = $1 FOR UPDATE',
        [campaignId],
      );
      if (!rows[0] || !accepting.includes(rows[0].status)) return null;
      const { rows: numbering } = await client.query<{ max: number }>(
        'SELECT coalesce(max(row_number), 0)::int AS max FROM campaign_rejected_row WHERE campaign_id = $1',
        [campaignId],
      );
      const inserted = await this.copyRecipients(client, campaignId, recipients);
      const offset = numbering[0]?.max ?? 0;
      await this.insertRejected(
        client,
        campaignId,
        rejected.map((r) => ({ ...r, rowNumber: r.rowNumber + offset })),
      );
      return inserted;
    });
  }

  async findCampaign(id: string): Promise<CampaignRow | null> {
    const { rows } = await this.prisma.pool.query<CampaignRow>(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaign WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Newest first; the cursor is the last id of the previous page. */
  async listCampaigns(filter: {
    kind: CampaignKind;
    status?: CampaignStatus;
    limit: number;
    after?: string;
  }): Promise<CampaignRow[]> {
    const params: unknown[] = [filter.kind, filter.limit];
    let where = 'kind = $1';
    if (filter.status) {
      params.push(filter.status);
      where += ` AND status = $${params.length}`;
    }
    if (filter.after) {
      params.push(filter.after);
      where += ` AND (created_at, id) < (SELECT created_at, id FROM campaign WHERE id = $${params.length}::uuid)`;
    }
    const { rows } = await this.prisma.pool.query<CampaignRow>(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaign WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    return rows;
  }

  async countsByStatus(campaignIds: string[]): Promise<Map<string, Partial<Record<RecipientStatus, number>>>> {
    const result = new Map<string, Partial<Record<RecipientStatus, number>>>();
    if (campaignIds.length === 0) return result;
    const { rows } = await this.prisma.pool.query<{ campaignId: string; status: RecipientStatus; count: number }>(
      `SELECT campaign_id AS "campaignId", status, count(*)::int AS count FROM campaign_recipient
       WHERE campaign_id = ANY($1::uuid[]) GROUP BY campaign_id, status`,
      [campaignIds],
    );
    for (const row of rows) {
      const counts = result.get(row.campaignId) ?? {};
      counts[row.status] = row.count;
      result.set(row.campaignId, counts);
    }
    return result;
  }

  /** Moves a campaign to `to` if the state machine allows it from its current status; null when it does not. */
  async transitionCampaign(id: string, to: CampaignStatus): Promise<CampaignRow | null> {
    const { rows } = await this.prisma.pool.query<CampaignRow>(
      `UPDATE campaign SET status = $2::"CampaignStatus", updated_at = now(),
         started_at = CASE WHEN $2::text = 'RUNNING' THEN coalesce(started_at, now()) ELSE started_at END,
         completed_at = CASE WHEN $2::text IN ('COMPLETED', 'CANCELLED') THEN now() WHEN $2::text = 'RUNNING' THEN NULL ELSE completed_at END
       WHERE id = $1 AND status = ANY($3::"CampaignStatus"[])
       RETURNING ${CAMPAIGN_COLUMNS}`,
      [id, to, campaignAllowedFrom(to)],
    );
    return rows[0] ?? null;
  }

  /** Pausing: queued recipients go back to pending, so their jobs find nothing to send. */
  async unqueueRecipients(campaignId: string): Promise<number> {
    return this.setRecipientStatus(campaignId, ['QUEUED'], 'PENDING');
  }

  async cancelRecipients(campaignId: string): Promise<number> {
    return this.setRecipientStatus(campaignId, ['PENDING', 'QUEUED'], 'CANCELLED');
  }

  /**
   * Marks up to `limit` pending recipients of a running campaign QUEUED in a new generation and returns them, for
   * their send jobs to be added. Concurrent dispatchers never take the same rows (SKIP LOCKED).
   */
  async queuePending(campaignId: string, limit: number): Promise<Array<{ id: string; generation: number }>> {
    const { rows } = await this.prisma.pool.query<{ id: string; generation: number }>(
      `UPDATE campaign_recipient SET status = 'QUEUED', generation = generation + 1, queued_at = now(), updated_at = now()
       WHERE id IN (
         SELECT r.id FROM campaign_recipient r JOIN campaign c ON c.id = r.campaign_id
         WHERE r.campaign_id = $1 AND r.status = 'PENDING' AND c.status = 'RUNNING'
         ORDER BY r.created_at, r.id LIMIT $2 FOR UPDATE OF r SKIP LOCKED)
       RETURNING id, generation`,
      [campaignId, limit],
    );
    return rows;
  }

  /**
   * Claims a recipient for sending: only the job of its current generation, only while it is queued (or being sent
   * by that same job before a crash or retry), only while its campaign runs. Null: nothing to send.
   */
  async claim(recipientId: string, generation: number): Promise<SendContext | null> {
    const { rows } = await this.prisma.pool.query<SendContext>(
      `UPDATE campaign_recipient r SET status = 'SENDING', updated_at = now()
       FROM campaign c
       WHERE r.id = $1 AND r.generation = $2 AND r.status = ANY($3::"RecipientStatus"[]) AND c.id = r.campaign_id AND c.status = 'RUNNING'
       RETURNING r.id AS "recipientId", r.generation, r.campaign_id AS "campaignId", c.channel_id AS "channelId", r.address, r.name,
         r.parameters, r.custom_fields AS "customFields", r.attempts, r.rate_limited_count AS "rateLimitedCount",
         c.content, c.custom_fields AS "campaignCustomFields"`,
      [recipientId, generation, recipientAllowedFrom('SENDING')],
    );
    return rows[0] ?? null;
  }

  /**
   * Records a successful send in one statement: the recipient SENT with CXone's ids, the contact, the proactive
   * thread linked to its campaign (where the customer's reply will land), and the alert as the thread's first message.
   * Returns false when the row was no longer this generation's to finish.
   *
   * It writes the contact, thread and message tables, which other modules own, on purpose: one statement keeps SENT
   * and the thread a reply needs atomic, in one round trip on the hot path. When the threads module gets its own
   * repository, this statement should move there, called with the recipient's ids.
   */
  async markSent(ctx: SendContext & Attempt, ids: SentIds, content: unknown): Promise<boolean> {
    const { rows } = await this.prisma.pool.query<{ updated: number }>(
      `WITH r AS (
         UPDATE campaign_recipient SET status = 'SENT', sent_at = now(), finished_at = now(), updated_at = now(),
           cxone_contact_id = $3, cxone_thread_id = $4, cxone_message_id = $5, failure_reason = NULL, last_error = NULL,
           attempts = $13
         WHERE id = $1 AND generation = $2 AND status = 'SENDING' RETURNING id),
       c AS (
         INSERT INTO contact (id, channel_id, address, display_name, created_at, updated_at)
         SELECT gen_random_uuid(), $6, $7, $8, now(), now() FROM r
         ON CONFLICT (channel_id, address) DO UPDATE SET updated_at = now() RETURNING id),
       t AS (
         INSERT INTO thread (id, channel_id, contact_id, id_on_external_platform, origin, status, cxone_contact_id, cxone_thread_id,
                             campaign_id, last_activity_at, created_at, updated_at)
         SELECT gen_random_uuid(), $6, c.id, $9, 'PROACTIVE', 'AWAITING_REPLY', $3, $4, $10, now(), now(), now() FROM c
         ON CONFLICT (channel_id, id_on_external_platform) DO UPDATE
           SET cxone_contact_id = EXCLUDED.cxone_contact_id, cxone_thread_id = EXCLUDED.cxone_thread_id, updated_at = now()
         RETURNING id),
       m AS (
         INSERT INTO message (id, channel_id, thread_id, direction, author, id_on_external_platform, cxone_message_id, content, status,
                              created_at, updated_at)
         SELECT gen_random_uuid(), $6, t.id, 'OUTBOUND', 'SYSTEM', $11, $5, $12, 'SENT', now(), now() FROM t
         ON CONFLICT (channel_id, id_on_external_platform) DO NOTHING RETURNING id)
       SELECT (SELECT count(*) FROM r)::int AS updated`,
      [
        ctx.recipientId,
        ctx.generation,
        ids.contactId,
        ids.threadId,
        ids.messageId,
        ctx.channelId,
        ctx.address,
        ctx.name,
        ids.threadExternalId,
        ctx.campaignId,
        ids.messageExternalId,
        JSON.stringify(content),
        ctx.attempt,
      ],
    );
    return (rows[0]?.updated ?? 0) > 0;
  }

  /** Ends a claimed recipient without a send (FAILED or SKIPPED_*); false when it was no longer ours. */
  async finish(
    ctx: Attempt,
    status: Extract<RecipientStatus, 'FAILED' | 'SKIPPED_OPTED_OUT' | 'SKIPPED_WINDOW' | 'SKIPPED_INVALID'>,
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
        recipientAllowedFrom(status),
        ctx.attempt,
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * What decides, just before a send, whether it may still go: the campaign's status and the customer's consent and
   * last inbound message (read from the contacts ledger in the same round trip).
   */
  async sendGate(ctx: Pick<SendContext, 'campaignId' | 'channelId' | 'address'>): Promise<SendGate> {
    const { rows } = await this.prisma.pool.query<SendGate>(
      `SELECT c.status AS "campaignStatus", coalesce(ct.opted_out, false) AS "optedOut", ct.last_inbound_at AS "lastInboundAt"
       FROM campaign c LEFT JOIN contact ct ON ct.channel_id = $2 AND ct.address = $3
       WHERE c.id = $1`,
      [ctx.campaignId, ctx.channelId, ctx.address],
    );
    return rows[0] ?? { campaignStatus: null, optedOut: false, lastInboundAt: null };
  }

  /**
   * Gives back a claimed row whose campaign stopped while it waited for a rate slot: PENDING (paused; queued again on
   * resume) or CANCELLED.
   */
  async release(
    ctx: Pick<SendContext, 'recipientId' | 'generation'>,
    to: Extract<RecipientStatus, 'PENDING' | 'CANCELLED'>,
  ): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = $3::"RecipientStatus", updated_at = now(),
         finished_at = CASE WHEN $3::text = 'CANCELLED' THEN now() ELSE finished_at END
       WHERE id = $1 AND generation = $2 AND status = 'SENDING'`,
      [ctx.recipientId, ctx.generation, to],
    );
    return (rowCount ?? 0) > 0;
  }

  /** A transient failure that will be retried: visible on the row while it waits. */
  async noteTransientError(ctx: Attempt, error: string): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE campaign_recipient SET last_error = $3, attempts = $4, updated_at = now()
       WHERE id = $1 AND generation = $2 AND status = 'SENDING'`,
      [ctx.recipientId, ctx.generation, truncate(error), ctx.attempt],
    );
  }

  /** Counts a 429 against the recipient and returns its new total. */
  async noteRateLimited(ctx: Pick<SendContext, 'recipientId' | 'generation'>, error: string): Promise<number> {
    const { rows } = await this.prisma.pool.query<{ count: number }>(
      `UPDATE campaign_recipient SET rate_limited_count = rate_limited_count + 1, last_error = $3, updated_at = now()
       WHERE id = $1 AND generation = $2 RETURNING rate_limited_count AS count`,
      [ctx.recipientId, ctx.generation, truncate(error)],
    );
    return rows[0]?.count ?? 0;
  }

  /** Completes the campaign if it runs and nothing is left to send. */
  async completeIfDone(campaignId: string): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign c SET status = 'COMPLETED', completed_at = now(), updated_at = now()
       WHERE c.id = $1 AND c.status = 'RUNNING'
         AND NOT EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = c.id AND r.status = ANY($2::"RecipientStatus"[]))`,
      [campaignId, OPEN_RECIPIENT_STATUSES],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Completes every running campaign with nothing left to send; returns their ids. */
  async completeAllDone(): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `UPDATE campaign c SET status = 'COMPLETED', completed_at = now(), updated_at = now()
       WHERE c.status = 'RUNNING'
         AND NOT EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = c.id AND r.status = ANY($1::"RecipientStatus"[]))
       RETURNING id`,
      [OPEN_RECIPIENT_STATUSES],
    );
    return rows.map((r) => r.id);
  }

  /** Failed recipients whose cause may have gone away go back to pending; returns how many. */
  async requeueRetryableFailures(campaignId: string): Promise<number> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = 'PENDING', attempts = 0, rate_limited_count = 0, failure_reason = NULL,
         finished_at = NULL, updated_at = now()
       WHERE campaign_id = $1 AND status = 'FAILED' AND failure_reason = ANY($2::text[])`,
      [campaignId, RETRYABLE_FAILURE_REASONS],
    );
    return rowCount ?? 0;
  }

  /** Scheduled campaigns whose time has come, switched to RUNNING; returns their ids. */
  async startDueScheduled(): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `UPDATE campaign SET status = 'RUNNING', started_at = coalesce(started_at, now()), updated_at = now()
       WHERE status = 'SCHEDULED' AND scheduled_at <= now() RETURNING id`,
    );
    return rows.map((r) => r.id);
  }

  async startScheduledIfDue(campaignId: string): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign SET status = 'RUNNING', started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = $1 AND status = 'SCHEDULED' AND scheduled_at <= now()`,
      [campaignId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Running campaigns with pending recipients nobody has queued for `olderThanMs` (their dispatch was lost). */
  async campaignsWithIdlePending(olderThanMs: number): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `SELECT c.id FROM campaign c WHERE c.status = 'RUNNING' AND EXISTS (
         SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = c.id AND r.status = 'PENDING'
           AND r.updated_at < now() - make_interval(secs => $1))`,
      [olderThanMs / 1000],
    );
    return rows.map((r) => r.id);
  }

  /** Queued or in-flight recipients of running campaigns untouched for `olderThanMs`: their job may be lost. */
  async staleInFlight(olderThanMs: number, limit: number): Promise<InFlightRow[]> {
    const { rows } = await this.prisma.pool.query<InFlightRow>(
      `SELECT r.id, r.generation, r.status, c.channel_id AS "channelId"
       FROM campaign_recipient r JOIN campaign c ON c.id = r.campaign_id
       WHERE r.status IN ('QUEUED', 'SENDING') AND r.updated_at < now() - make_interval(secs => $1) AND c.status = 'RUNNING'
       ORDER BY r.updated_at LIMIT $2`,
      [olderThanMs / 1000, limit],
    );
    return rows;
  }

  /** Marks rows as just checked, so the sweeper moves on to others. */
  async touch(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.prisma.pool.query('UPDATE campaign_recipient SET updated_at = now() WHERE id = ANY($1::uuid[])', [ids]);
  }

  async runningCampaignIds(): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `SELECT id FROM campaign WHERE status IN ('RUNNING', 'PAUSED')`,
    );
    return rows.map((r) => r.id);
  }

  async listRecipients(
    campaignId: string,
    filter: { status?: RecipientStatus; limit: number; after?: string },
  ): Promise<RecipientRow[]> {
    const params: unknown[] = [campaignId, filter.limit];
    let where = 'campaign_id = $1';
    if (filter.status) {
      params.push(filter.status);
      where += ` AND status = $${params.length}`;
    }
    if (filter.after) {
      params.push(filter.after);
      where += ` AND id > $${params.length}::uuid`;
    }
    const { rows } = await this.prisma.pool.query<RecipientRow>(
      `SELECT ${RECIPIENT_COLUMNS} FROM campaign_recipient WHERE ${where} ORDER BY id LIMIT $2`,
      params,
    );
    return rows;
  }

  /** A single message (a one-recipient MESSAGE campaign) with its campaign. */
  async findMessage(recipientId: string): Promise<{ recipient: RecipientRow; campaign: CampaignRow } | null> {
    const { rows } = await this.prisma.pool.query<RecipientRow>(
      `SELECT ${RECIPIENT_COLUMNS} FROM campaign_recipient WHERE id = $1`,
      [recipientId],
    );
    const recipient = rows[0];
    if (!recipient) return null;
    const campaign = await this.findCampaign(recipient.campaignId);
    if (!campaign || campaign.kind !== 'MESSAGE') return null;
    return { recipient, campaign };
  }

  async rejectedRows(campaignId: string): Promise<RejectedRow[]> {
    const { rows } = await this.prisma.pool.query<RejectedRow>(
      `SELECT row_number AS "rowNumber", input, reason FROM campaign_rejected_row WHERE campaign_id = $1 ORDER BY row_number`,
      [campaignId],
    );
    return rows;
  }

  private async setRecipientStatus(campaignId: string, from: RecipientStatus[], to: RecipientStatus): Promise<number> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = $3::"RecipientStatus", updated_at = now(),
         finished_at = CASE WHEN $3::text = 'CANCELLED' THEN now() ELSE finished_at END
       WHERE campaign_id = $1 AND status = ANY($2::"RecipientStatus"[])`,
      [campaignId, from.filter((s) => recipientAllowedFrom(to).includes(s)), to],
    );
    return rowCount ?? 0;
  }

  /** COPY into a temporary table, then insert what is new: COPY alone cannot skip rows that already exist. */
  private async copyRecipients(
    client: PoolClient,
    campaignId: string,
    recipients: RecipientToInsert[],
  ): Promise<number> {
    if (recipients.length === 0) return 0;
    await client.query(
      `CREATE TEMP TABLE recipient_intake (id uuid, campaign_id uuid, address text, name text, status "RecipientStatus",
         parameters jsonb, custom_fields jsonb, finished_at timestamptz, created_at timestamptz, updated_at timestamptz)
       ON COMMIT DROP`,
    );
    await this.copyInto(client, 'recipient_intake', campaignId, recipients);
    const { rowCount } = await client.query(
      `INSERT INTO campaign_recipient (id, campaign_id, address, name, status, parameters, custom_fields, finished_at, created_at, updated_at)
       SELECT * FROM recipient_intake
       ON CONFLICT (campaign_id, address) DO NOTHING`,
    );
    return rowCount ?? 0;
  }

  private async copyInto(
    client: PoolClient,
    table: 'campaign_recipient' | 'recipient_intake',
    campaignId: string,
    recipients: RecipientToInsert[],
  ): Promise<void> {
    if (recipients.length === 0) return;
    const copy = client.query(
      copyFrom(
        `COPY ${table} (id, campaign_id, address, name, status, parameters, custom_fields, finished_at, created_at, updated_at)
         FROM STDIN WITH (FORMAT csv)`,
      ),
    );
    await pipeline(Readable.from(csvLines(campaignId, recipients)), copy);
  }

  private async insertRejected(client: PoolClient, campaignId: string, rejected: RejectedRow[]): Promise<void> {
    if (rejected.length === 0) return;
    await client.query(
      `INSERT INTO campaign_rejected_row (campaign_id, row_number, input, reason)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`,
      [campaignId, rejected.map((r) => r.rowNumber), rejected.map((r) => r.input), rejected.map((r) => r.reason)],
    );
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.prisma.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/**
 * The recipients as COPY CSV, in batches of ROWS_PER_YIELD rows with a turn of the event loop after each (a plain
 * generator held the loop for ~400 ms at a time while it built the lines of a 100,000-row intake).
 */
export async function* csvLines(campaignId: string, recipients: RecipientToInsert[]): AsyncGenerator<string> {
  const now = new Date().toISOString();
  let batch = '';
  let rows = 0;
  for (const r of recipients) {
    const finished = r.status === 'PENDING' ? '' : now;
    batch += `${r.id},${campaignId},${csv(r.address)},${csv(r.name)},${r.status},${csv(r.parameters && JSON.stringify(r.parameters))},${csv(
      r.customFields && JSON.stringify(r.customFields),
    )},${finished},${now},${now}\n`;
    if (++rows % ROWS_PER_YIELD === 0) {
      yield batch;
      batch = '';
      await turn();
    }
  }
  if (batch) yield batch;
}

/** A CSV field for COPY: NULL as an empty unquoted field, anything else quoted. */
function csv(value: string | null): string {
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}

function truncate(text: string | null): string | null {
  return text && text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
