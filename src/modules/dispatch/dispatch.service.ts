import { Injectable, Logger } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { AppConfig } from '@/config';
import { dispatchQueueName, JobName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { Clock } from '@/infra/time/clock';
import { withDeadline } from '@/infra/time/deadline';
import { ChannelsService } from '@/modules/channels/channels.service';
import { DispatchRepository } from './dispatch.repository';
import { dispatchJobId, sendJobId, startJobId } from './external-ids';

const CHUNK = 1000;
/** How long an API request waits for Redis to take a dispatch request before leaving it to the sweeper. */
const REQUEST_DISPATCH_WAIT_MS = 2000;

/**
 * Send jobs are all prioritized (BullMQ takes lower numbers first, FIFO within a number): a retry whose backoff has
 * ended goes out ahead of every recipient not yet tried, and first tries go out in the order they were queued, which
 * is the order the recipients were given.
 */
export const SEND_PRIORITY = { retry: 1, first: 2 } as const;

/** A recipient's send job of a given generation on its account's dispatch queue. */
export interface SendJobRef {
  id: string;
  generation: number;
  accountId: string;
  /** Send attempts the recipient already had (a re-queued retry keeps its place ahead of first tries). */
  attempts: number;
  /** Deferred by quiet hours: the job waits (delayed) until then. */
  notBefore: Date | null;
}

/**
 * Turns a running campaign's pending recipients into send jobs on its account's dispatch queue: 1,000 at a time, in
 * the order they were given, rows marked QUEUED in a new generation first, then the jobs added with deterministic ids
 * (`r-<id>-<generation>`). A crash between the two leaves QUEUED rows without a job, which the sweeper finds and
 * re-adds with the same id.
 */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger(DispatchService.name);

  constructor(
    private readonly repository: DispatchRepository,
    private readonly queues: QueueService,
    private readonly channels: ChannelsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Asks a worker to queue the campaign's pending recipients (at most one such job per campaign at a time). Waits at
   * most a moment for Redis: the recipients are already durable in PostgreSQL, and if the job cannot be added now
   * (Redis down), the sweeper dispatches campaigns whose pending rows nobody queued.
   */
  async requestDispatch(campaignId: string): Promise<void> {
    const added = this.queues.add(
      JobName.DispatchCampaign,
      { campaignId },
      { jobId: dispatchJobId(campaignId), removeOnComplete: true, removeOnFail: true },
    );
    try {
      await withDeadline(added, REQUEST_DISPATCH_WAIT_MS, 'Redis');
    } catch (err) {
      added.catch(() => undefined);
      this.logger.warn(
        { campaignId },
        `could not queue the campaign's dispatch now (${String(err)}); the sweeper will dispatch it`,
      );
    }
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
    const campaign = await this.repository.campaignForDispatch(campaignId);
    if (!campaign || campaign.status !== 'RUNNING') return 0;
    const { accountId } = await this.channels.info(campaign.channelId);
    let queued = 0;
    for (;;) {
      const rows = await this.repository.queuePending(campaignId, CHUNK);
      if (rows.length === 0) break;
      await this.addSendJobs(
        accountId,
        rows.map((r) => ({ ...r, accountId })),
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
    for (const [accountId, accountRows] of byAccount) await this.addSendJobs(accountId, accountRows);
  }

  private async addSendJobs(accountId: string, rows: Array<Omit<SendJobRef, 'accountId'>>): Promise<void> {
    await this.queues.addBulk(
      this.queues.dynamicQueue(dispatchQueueName(accountId)),
      JobName.SendToRecipient,
      rows.map((r) => ({
        payload: { recipientId: r.id, generation: r.generation },
        options: this.sendJobOptions(r),
      })),
    );
  }

  private sendJobOptions(row: Omit<SendJobRef, 'accountId'>): JobsOptions {
    const wait = row.notBefore ? row.notBefore.getTime() - this.clock.now() : 0;
    return {
      jobId: sendJobId(row.id, row.generation),
      priority: row.attempts > 0 ? SEND_PRIORITY.retry : SEND_PRIORITY.first,
      // A recipient deferred by quiet hours (before a pause, or before Redis lost its job) waits for its window again;
      // the sender checks the quiet hours anyway, so a due time that is wrong by now costs one more deferral at most.
      ...(wait > 0 ? { delay: wait } : {}),
      // CXone's own failures are retried by the sender (RetryPolicy); these attempts cover our own dependencies
      // failing mid-job (PostgreSQL, Redis), which cost the recipient nothing.
      attempts: this.config.dispatch.maxAttempts,
      backoff: { type: 'dispatch' },
    };
  }
}
