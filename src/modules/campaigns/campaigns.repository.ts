import { Injectable } from '@nestjs/common';
import type { Campaign, CampaignKind, CampaignStatus, RecipientStatus } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { campaignAllowedFrom, RETRYABLE_FAILURE_REASONS, recipientAllowedFrom } from './campaign.state';

/** A campaign row as services read it (JSON columns typed). */
export type CampaignRow = Pick<
  Campaign,
  | 'id'
  | 'kind'
  | 'channelId'
  | 'name'
  | 'status'
  | 'scheduledAt'
  | 'autoCloseAfterSeconds'
  | 'startedAt'
  | 'completedAt'
  | 'createdAt'
> & { content: unknown; customFields: Record<string, string>; fallbackTemplate: unknown };

export type NewCampaign = Omit<CampaignRow, 'startedAt' | 'completedAt' | 'createdAt'>;

export const CAMPAIGN_COLUMNS = `id, kind, channel_id AS "channelId", name, status, content, custom_fields AS "customFields",
  scheduled_at AS "scheduledAt", auto_close_after_seconds AS "autoCloseAfterSeconds", started_at AS "startedAt",
  completed_at AS "completedAt", created_at AS "createdAt", fallback_template AS "fallbackTemplate"`;

/**
 * Campaign rows, listings and the lifecycle (start, pause, resume, cancel, retry-failed), including the bulk moves of
 * recipients the lifecycle makes. Intake (COPY) and recipient listings are the RecipientsRepository's; the send hot
 * path is the dispatch module's. Every status change is guarded by the state machine in campaign.state.ts.
 */
@Injectable()
export class CampaignsRepository {
  constructor(private readonly prisma: PrismaService) {}

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

  /**
   * Pausing: queued recipients (including those waiting for a retry) go back to pending, so their jobs find nothing
   * to send and resume queues them again.
   */
  async unqueueRecipients(campaignId: string): Promise<number> {
    return this.setRecipientStatus(campaignId, ['QUEUED'], 'PENDING');
  }

  async cancelRecipients(campaignId: string): Promise<number> {
    return this.setRecipientStatus(campaignId, ['PENDING', 'QUEUED'], 'CANCELLED');
  }

  /** Failed recipients whose cause may have gone away go back to pending; returns how many. */
  async requeueRetryableFailures(campaignId: string): Promise<number> {
    const { rowCount } = await this.prisma.pool.query(
      `UPDATE campaign_recipient SET status = 'PENDING', attempts = 0, rate_limited_count = 0, failure_reason = NULL,
         finished_at = NULL, updated_at = now()
       WHERE campaign_id = $1 AND status = ANY($3::"RecipientStatus"[]) AND failure_reason = ANY($2::text[])`,
      [campaignId, RETRYABLE_FAILURE_REASONS, recipientAllowedFrom('PENDING').filter((s) => s === 'FAILED')],
    );
    return rowCount ?? 0;
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
}
