import { Injectable } from '@nestjs/common';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { OPEN_RECIPIENT_STATUSES } from './campaign.state';

/** A stored campaign's recipients as the pre-flight sees them now. */
export interface StoredCounts {
  total: number;
  rejected: number;
  /** Still to send (pending, queued, in flight)… */
  open: number;
  /** …of which the customer has opted out since intake… */
  openOptedOut: number;
  /** …or whose WhatsApp window (24 h from their last message) is closed now, not counting those opted out. */
  openOutsideWindow: number;
  skippedOptedOut: number;
  skippedWindow: number;
}

/** The reads of the pre-flight report (no writes). */
@Injectable()
export class PreflightRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Recipients of the account's running campaigns, other than `exceptCampaignId`, still to send. */
  async accountBacklog(accountId: string, exceptCampaignId: string | null): Promise<number> {
    const { rows } = await this.prisma.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n
       FROM campaign_recipient r JOIN campaign c ON c.id = r.campaign_id JOIN channel ch ON ch.id = c.channel_id
       WHERE ch.account_id = $1 AND c.status = 'RUNNING' AND r.status = ANY($2::"RecipientStatus"[])
         AND c.id IS DISTINCT FROM $3::uuid`,
      [accountId, OPEN_RECIPIENT_STATUSES, exceptCampaignId],
    );
    return rows[0].n;
  }

  async storedCounts(campaignId: string, channelId: string, windowMs: number): Promise<StoredCounts> {
    const { rows } = await this.prisma.pool.query<StoredCounts>(
      `SELECT count(*)::int AS total,
         (SELECT count(*)::int FROM campaign_rejected_row WHERE campaign_id = $1) AS rejected,
         count(*) FILTER (WHERE open)::int AS open,
         count(*) FILTER (WHERE open AND opted_out)::int AS "openOptedOut",
         count(*) FILTER (WHERE open AND NOT opted_out AND NOT window_open)::int AS "openOutsideWindow",
         count(*) FILTER (WHERE status = 'SKIPPED_OPTED_OUT')::int AS "skippedOptedOut",
         count(*) FILTER (WHERE status = 'SKIPPED_WINDOW')::int AS "skippedWindow"
       FROM (
         SELECT r.status, r.status = ANY($3::"RecipientStatus"[]) AS open, coalesce(ct.opted_out, false) AS opted_out,
           coalesce(ct.last_inbound_at > now() - make_interval(secs => $4 / 1000.0), false) AS window_open
         FROM campaign_recipient r LEFT JOIN contact ct ON ct.channel_id = $2 AND ct.address = r.address
         WHERE r.campaign_id = $1
       ) x`,
      [campaignId, channelId, OPEN_RECIPIENT_STATUSES, windowMs],
    );
    return rows[0];
  }

  async firstRejected(campaignId: string, limit: number): Promise<Array<{ rowNumber: number; reason: string }>> {
    const { rows } = await this.prisma.pool.query<{ rowNumber: number; reason: string }>(
      `SELECT row_number AS "rowNumber", reason FROM campaign_rejected_row
       WHERE campaign_id = $1 ORDER BY row_number, id LIMIT $2`,
      [campaignId, limit],
    );
    return rows;
  }

  /** The custom fields the campaign's recipients set, with up to `valuesPerField` of their values each. */
  async recipientCustomFields(
    campaignId: string,
    valuesPerField: number,
  ): Promise<Array<{ key: string; value: string }>> {
    const { rows } = await this.prisma.pool.query<{ key: string; value: string }>(
      `SELECT key, value FROM (
         SELECT e.key, e.value, row_number() OVER (PARTITION BY e.key ORDER BY e.value) AS n
         FROM (SELECT DISTINCT f.key, f.value
               FROM campaign_recipient r, jsonb_each_text(r.custom_fields) f
               WHERE r.campaign_id = $1 AND r.custom_fields IS NOT NULL) e
       ) ranked WHERE n <= $2 ORDER BY key, value`,
      [campaignId, valuesPerField],
    );
    return rows;
  }
}
