import { Injectable, Logger } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { AppConfig } from '@/config';
import { dispatchQueueName, JobName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { CampaignsRepository } from './campaigns.repository';
import { dispatchJobId, sendJobId, startJobId } from './external-ids';

const CHUNK = 1000;

/** A recipient's send job of a given generation on its account's dispatch queue. */
export interface SendJobRef {
  id: string;
  generation: number;
  accountId: string;
}

/**
 * Turns a running campaign's pending recipients into send jobs on its account's dispatch queue: 1,000 at a time,
 * rows marked QUEUED in a new generation first, then the jobs added with deterministic ids (`r-<id>-<generation>`).
 * A crash between the two leaves QUEUED rows without a job, which the sweeper finds and re-adds with the same id.
 */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  constructor(
    private readonly repository: CampaignsRepository,
    private readonly queues: QueueService,
    private readonly channels: ChannelsService,
    private readonly config: AppConfig,
  ) {}

  /** Asks a worker to queue the campaign's pending recipients (at most one such job per campaign at a time). */
  async requestDispatch(campaignId: string): Promise<void> {
    await this.queues.add(
      JobName.DispatchCampaign,
      { campaignId },
      { jobId: dispatchJobId(campaignId), removeOnComplete: true, removeOnFail: true },
    );
  }

  async scheduleStart(campaignId: string, at: Date): Promise<void> {
    await this.queues.add(
      JobName.StartScheduledCampaign,
      { campaignId },
      {
        jobId: startJobId(campaignId),
        delay: Math.max(0, at.getTime() - Date.now()),
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  async dispatchCampaign(campaignId: string): Promise<number> {
    const campaign = await this.repository.findCampaign(campaignId);
    if (!campaign || campaign.status !== 'RUNNING') return 0;
    const channel = await this.channels.info(campaign.channelId);
    const queue = this.queues.dynamicQueue(dispatchQueueName(channel.accountId));
    let queued = 0;
    for (;;) {
      const rows = await this.repository.queuePending(campaignId, CHUNK);
      if (rows.length === 0) break;
      await this.queues.addBulk(
        queue,
        JobName.SendToRecipient,
        rows.map((r) => ({
          payload: { recipientId: r.id, generation: r.generation },
          options: this.sendJobOptions(r.id, r.generation),
        })),
      );
      queued += rows.length;
    }
    if (queued > 0) this.logger.log({ campaignId, queued }, 'recipients queued');
    // Nothing to send (empty, or everyone skipped at intake): the campaign is done now, not at the next sweep.
    if (queued === 0) await this.repository.completeIfDone(campaignId);
    return queued;
  }

  /** Re-adds send jobs for rows whose job is gone (same generation, same id: harmless if it still exists). */
  async readd(rows: SendJobRef[]): Promise<void> {
    const byAccount = new Map<string, SendJobRef[]>();
    for (const row of rows) byAccount.set(row.accountId, [...(byAccount.get(row.accountId) ?? []), row]);
    for (const [accountId, accountRows] of byAccount) {
      await this.queues.addBulk(
        this.queues.dynamicQueue(dispatchQueueName(accountId)),
        JobName.SendToRecipient,
        accountRows.map((r) => ({
          payload: { recipientId: r.id, generation: r.generation },
          options: this.sendJobOptions(r.id, r.generation),
        })),
      );
    }
  }

  private sendJobOptions(recipientId: string, generation: number): JobsOptions {
    return {
      jobId: sendJobId(recipientId, generation),
      attempts: this.config.dispatch.maxAttempts,
      backoff: { type: 'cxone' },
    };
  }
}
