import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as turn } from 'node:timers/promises';
import type { CampaignRecipient, CampaignStatus, RecipientStatus } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { CAMPAIGN_COLUMNS, CampaignRow, NewCampaign } from './campaigns.repository';
import { ROWS_PER_YIELD } from './recipient-intake';
import type { AcceptedRecipient, RejectedRow } from './recipient-intake';

/** A recipient row as intake writes it: pending, or already skipped by the pre-flight checks. */
export interface RecipientToInsert extends AcceptedRecipient {
  status: Extract<RecipientStatus, 'PENDING' | 'SKIPPED_OPTED_OUT' | 'SKIPPED_WINDOW'>;
}

export type RecipientRow = Pick<
  CampaignRecipient,
  | 'id'
  | 'campaignId'
  | 'address'
  | 'name'
  | 'status'
  | 'generation'
  | 'attempts'
  | 'rateLimitedCount'
  | 'failureReason'
  | 'lastError'
  | 'cxoneContactId'
  | 'cxoneThreadId'
  | 'cxoneMessageId'
  | 'sentAt'
  | 'createdAt'
  | 'updatedAt'
  | 'timeZone'
  | 'notBefore'
>;

const RECIPIENT_COLUMNS = `id, campaign_id AS "campaignId", address, name, status, generation, attempts,
  rate_limited_count AS "rateLimitedCount", failure_reason AS "failureReason", last_error AS "lastError",
  cxone_contact_id AS "cxoneContactId", cxone_thread_id AS "cxoneThreadId", cxone_message_id AS "cxoneMessageId",
  sent_at AS "sentAt", created_at AS "createdAt", updated_at AS "updatedAt", time_zone AS "timeZone",
  not_before AS "notBefore"`;

/** The columns csvLines writes, in its order. */
const COPY_COLUMNS =
  'id, campaign_id, address, name, status, parameters, custom_fields, time_zone, finished_at, created_at, updated_at';

/** Where a page of refused rows ends (row numbers of concurrent uploads may repeat: the id breaks ties). */
export interface RejectedRowCursor {
  rowNumber: number;
  id: string;
}

export interface RejectedRowPage {
  rows: RejectedRow[];
  next: RejectedRowCursor | null;
}

/**
 * Intake and recipient listings. Bulk intake uses COPY on a connection of Prisma's pool (Prisma has no COPY, and
 * createMany is ~10x slower); rows are COPYed in the order given, so their sequence (`seq`) is the send order.
 */
@Injectable()
export class RecipientsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Campaign, recipients and rejected rows in one transaction: nothing is acknowledged that is not durable. The
   * recipients may come as batches still being checked (CampaignIntake.preflightInSlices): each is COPYed as it comes,
   * so the database stores one while the next is checked; `rejected` is read once the last batch is in. Returns the
   * rows stored.
   */
  async createWithRecipients(
    campaign: NewCampaign,
    recipients: RecipientBatches,
    rejected: RejectedRow[],
  ): Promise<number> {
    return this.prisma.poolTransaction(async (client) => {
      await client.query(
        `INSERT INTO campaign (id, kind, channel_id, name, status, content, custom_fields, scheduled_at, fallback_template,
           auto_close_after_seconds, started_at, quiet_start_minute, quiet_end_minute, time_zone, ignore_quiet_hours,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::"CampaignStatus", $6, $7, $8, $9, $10, CASE WHEN $5::text = 'RUNNING' THEN now() END,
           $11, $12, $13, $14, now(), now())`,
        [
          campaign.id,
          campaign.kind,
          campaign.channelId,
          campaign.name,
          campaign.status,
          JSON.stringify(campaign.content),
          JSON.stringify(campaign.customFields),
          campaign.scheduledAt,
          campaign.fallbackTemplate ? JSON.stringify(campaign.fallbackTemplate) : null,
          campaign.autoCloseAfterSeconds,
          campaign.quietStartMinute,
          campaign.quietEndMinute,
          campaign.timeZone,
          campaign.ignoreQuietHours,
        ],
      );
      // A new campaign has no rows to collide with (intake already collapsed repeats): COPY straight into the table.
      const stored = await this.copyInto(client, 'campaign_recipient', campaign.id, recipients);
      await this.insertRejected(client, campaign.id, rejected);
      return stored;
    });
  }

  /**
   * Adds recipients to a campaign that still accepts them; returns how many were new (others repeated an address
   * already in the campaign), or null when the campaign's status does not accept recipients.
   */
  async appendRecipients(
    campaignId: string,
    accepting: readonly CampaignStatus[],
    recipients: StagedRecipients,
    rejected: RejectedRow[],
  ): Promise<number | null> {
    return this.prisma.poolTransaction(async (client) => {
      const { rows } = await client.query<{ status: CampaignStatus }>(
        'SELECT status FROM campaign WHERE id = $1 FOR UPDATE',
        [campaignId],
      );
      if (!rows[0] || !accepting.includes(rows[0].status)) return null;
      const { rows: numbering } = await client.query<{ max: number }>(
        'SELECT coalesce(max(row_number), 0)::int AS max FROM campaign_rejected_row WHERE campaign_id = $1',
        [campaignId],
      );
      const inserted = await this.copyRecipients(client, recipients);
      const offset = numbering[0]?.max ?? 0;
      await this.insertRejected(
        client,
        campaignId,
        rejected.map((r) => ({ ...r, rowNumber: r.rowNumber + offset })),
      );
      return inserted;
    });
  }

  async listRecipients(
    campaignId: string,
    filter: { status?: RecipientStatus; failureReason?: string; error?: string; limit: number; after?: string },
  ): Promise<RecipientRow[]> {
    const params: unknown[] = [campaignId, filter.limit];
    let where = 'campaign_id = $1';
    if (filter.status) {
      params.push(filter.status);
      where += ` AND status = $${params.length}`;
    }
    if (filter.failureReason) {
      params.push(filter.failureReason);
      where += ` AND failure_reason = $${params.length}`;
    }
    if (filter.error) {
      params.push(`%${filter.error.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where += ` AND last_error ILIKE $${params.length}`;
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

  /** A single message (the recipient of a one-recipient MESSAGE campaign) with its campaign. */
  async findMessage(recipientId: string): Promise<{ recipient: RecipientRow; campaign: CampaignRow } | null> {
    const { rows } = await this.prisma.pool.query<RecipientRow>(
      `SELECT ${RECIPIENT_COLUMNS} FROM campaign_recipient WHERE id = $1`,
      [recipientId],
    );
    const recipient = rows[0];
    if (!recipient) return null;
    const { rows: campaigns } = await this.prisma.pool.query<CampaignRow>(
      `SELECT ${CAMPAIGN_COLUMNS} FROM campaign WHERE id = $1 AND kind = 'MESSAGE'`,
      [recipient.campaignId],
    );
    return campaigns[0] ? { recipient, campaign: campaigns[0] } : null;
  }

  /** A page of the rows intake refused, in row order, after `after` (the last row of the previous page). */
  async rejectedRows(campaignId: string, after: RejectedRowCursor | null, limit: number): Promise<RejectedRowPage> {
    const { rows } = await this.prisma.pool.query<RejectedRow & { id: string }>(
      `SELECT id::text, row_number AS "rowNumber", input, reason FROM campaign_rejected_row
       WHERE campaign_id = $1 AND (row_number, id) > ($2, $3) ORDER BY row_number, id LIMIT $4`,
      [campaignId, after?.rowNumber ?? 0, after?.id ?? '0', limit],
    );
    const last = rows[rows.length - 1];
    return {
      rows: rows.map(({ rowNumber, input, reason }) => ({ rowNumber, input, reason })),
      next: last ? { rowNumber: last.rowNumber, id: last.id } : null,
    };
  }

  /** COPY into a temporary table, then insert what is new: COPY alone cannot skip rows that already exist. */
  private async copyRecipients(client: PoolClient, recipients: StagedRecipients): Promise<number> {
    if (recipients.rows === 0) return 0;
    await client.query(
      `CREATE TEMP TABLE recipient_intake (id uuid, campaign_id uuid, address text, name text, status "RecipientStatus",
         parameters jsonb, custom_fields jsonb, time_zone text, finished_at timestamptz, created_at timestamptz,
         updated_at timestamptz)
       ON COMMIT DROP`,
    );
    const copy = client.query(copyFrom(`COPY recipient_intake (${COPY_COLUMNS}) FROM STDIN WITH (FORMAT csv)`));
    await pipeline(Readable.from(recipients.text()), copy);
    const { rowCount } = await client.query(
      `INSERT INTO campaign_recipient (${COPY_COLUMNS})
       SELECT * FROM recipient_intake
       ON CONFLICT (campaign_id, address) DO NOTHING`,
    );
    return rowCount ?? 0;
  }

  private async copyInto(
    client: PoolClient,
    table: 'campaign_recipient',
    campaignId: string,
    recipients: RecipientBatches,
  ): Promise<number> {
    if (Array.isArray(recipients) && recipients.length === 0) return 0;
    const copy = client.query(copyFrom(`COPY ${table} (${COPY_COLUMNS}) FROM STDIN WITH (FORMAT csv)`));
    const counter = { rows: 0 };
    await pipeline(Readable.from(csvLines(campaignId, recipients, counter)), copy);
    return counter.rows;
  }

  private async insertRejected(client: PoolClient, campaignId: string, rejected: RejectedRow[]): Promise<void> {
    if (rejected.length === 0) return;
    await client.query(
      `INSERT INTO campaign_rejected_row (campaign_id, row_number, input, reason)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`,
      [campaignId, rejected.map((r) => r.rowNumber), rejected.map((r) => r.input), rejected.map((r) => r.reason)],
    );
  }
}

/** Recipients to store: all at once, or batches in order as they are checked. */
export type RecipientBatches = readonly RecipientToInsert[] | AsyncIterable<readonly RecipientToInsert[]>;

/**
 * The recipients of one upload on their way to the database, held as their COPY text (one Buffer per staged batch)
 * rather than as objects: ~200 bytes a row, so a 100,000-row upload keeps ~20 MB until its one insert, and the row
 * objects of each batch are garbage as soon as the batch is staged.
 */
export class StagedRecipients {
  private readonly chunks: Buffer[] = [];
  private count = 0;

  constructor(private readonly campaignId: string) {}

  /** Rows staged so far. */
  get rows(): number {
    return this.count;
  }

  async add(recipients: RecipientToInsert[]): Promise<void> {
    if (recipients.length === 0) return;
    const parts: string[] = [];
    for await (const text of csvLines(this.campaignId, recipients)) parts.push(text);
    this.chunks.push(Buffer.from(parts.join('')));
    this.count += recipients.length;
  }

  /** The COPY text, in the order the rows were staged. */
  text(): readonly Buffer[] {
    return this.chunks;
  }
}

/**
 * The recipients as COPY CSV, in batches of ROWS_PER_YIELD rows with a turn of the event loop after each (a plain
 * generator held the loop for ~400 ms at a time while it built the lines of a 100,000-row intake). `counter.rows`
 * counts the rows written.
 */
export async function* csvLines(
  campaignId: string,
  recipients: RecipientBatches,
  counter: { rows: number } = { rows: 0 },
): AsyncGenerator<string> {
  const now = new Date().toISOString();
  const batches: AsyncIterable<readonly RecipientToInsert[]> | Iterable<readonly RecipientToInsert[]> = isBatchStream(
    recipients,
  )
    ? recipients
    : [recipients];
  let batch = '';
  for await (const rows of batches) {
    for (const r of rows) {
      const finished = r.status === 'PENDING' ? '' : now;
      batch += `${r.id},${campaignId},${csv(r.address)},${csv(r.name)},${r.status},${csv(r.parameters && JSON.stringify(r.parameters))},${csv(
        r.customFields && JSON.stringify(r.customFields),
      )},${csv(r.timeZone)},${finished},${now},${now}\n`;
      if (++counter.rows % ROWS_PER_YIELD === 0) {
        yield batch;
        batch = '';
        await turn();
      }
    }
  }
  if (batch) yield batch;
}

function isBatchStream(recipients: RecipientBatches): recipients is AsyncIterable<readonly RecipientToInsert[]> {
  return !Array.isArray(recipients);
}

/** A CSV field for COPY: NULL as an empty unquoted field, anything else quoted. */
function csv(value: string | null): string {
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}
