import { Injectable } from '@nestjs/common';
import type { CampaignStatus } from '@/infra/prisma/generated/client';
import { DatabaseNotifications } from '@/infra/prisma/database-notifications';
import { DispatchRepository } from './dispatch.repository';

const CHANNEL = 'threadline_campaign_status';
const FINAL: ReadonlySet<string> = new Set(['COMPLETED', 'CANCELLED']);

/**
 * Campaign statuses for the check just before each send, kept in memory and kept right by PostgreSQL: a trigger
 * announces every status change (LISTEN/NOTIFY, delivered on commit), so a pause or cancel reaches every worker at
 * once, without a query per send. While the listening connection is down, notifications could be missed, so every
 * read goes to the database until it is back.
 */
@Injectable()
export class CampaignStatusCache {
  private readonly statuses = new Map<string, CampaignStatus>();
  /** Bumped by each notification of a campaign, so a read racing with a change never stores the older answer. */
  private readonly changes = new Map<string, number>();
  private started = false;

  constructor(
    private readonly notifications: DatabaseNotifications,
    private readonly repository: DispatchRepository,
  ) {}

  async get(campaignId: string): Promise<CampaignStatus | null> {
    this.start();
    const trusted = this.notifications.isListening;
    const cached = trusted ? this.statuses.get(campaignId) : undefined;
    if (cached) return cached;
    const changesBefore = this.changes.get(campaignId) ?? 0;
    const status = await this.repository.campaignStatus(campaignId);
    if (status && trusted && this.notifications.isListening && (this.changes.get(campaignId) ?? 0) === changesBefore) {
      if (FINAL.has(status)) this.statuses.delete(campaignId);
      else this.statuses.set(campaignId, status);
    }
    return status;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.notifications.listen(
      CHANNEL,
      (payload) => {
        const [id, status] = payload.split(' ');
        if (!id || !status) return;
        this.changes.set(id, (this.changes.get(id) ?? 0) + 1);
        if (FINAL.has(status)) {
          this.statuses.delete(id);
          this.changes.delete(id);
        } else this.statuses.set(id, status as CampaignStatus);
      },
      (listening) => {
        if (!listening) this.statuses.clear();
      },
    );
  }
}
