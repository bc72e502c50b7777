import { Injectable, Logger } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { AppConfig } from '@/config';
import { dispatchQueueName, JobName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { Clock } from '@/infra/time/clock';
import { withDeadline } from '@/infra/time/deadline';
import { ChannelsService } from '@/modules/channels/channels.service';
import { DispatchRepository } from './dispatch.repository';
import { batchJobId, dispatchJobId, sendJobId, startJobId } from './external-ids';
import type { RecipientRef } from './dispatch.repository';

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
  /** The batch job whose first row this is (all its rows share the generation); null: a job of its own. */
  sendBatch: string | null;
}

/**
 * Turns a running campaign's pending recipients into send jobs on its account's dispatch queue: 1,000 at a time, in
 * the order they were given, rows marked QUEUED in a new generation first, then the jobs added with deterministic ids.
 * First tries go DISPATCH_BATCH_SIZE to a job (`b-<first row's id>-<generation>`), which sends them one after another,
 * each claimed, checked, paced and recorded on its own as a single job would: the queue's bookkeeping (adding,
 * fetching, finishing a job) is paid once per batch instead of once per recipient. Retries and quiet-hours deferrals
 * get a job of their own (`r-<id>-<generation>`), so one recipient's wait never holds the others. A crash between the
 * two leaves QUEUED rows without a job, which the sweeper finds and re-adds.
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
      const rows = await this.repository.queuePending(campaignId, CHUNK, this.config.dispatch);
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

  /**
   * Re-adds send jobs for rows whose job is gone: each as a job of its own, a batch's rows leaving it first (a new
   * generation). A row's own job keeps its id, harmless if it still exists.
   */
  async readd(rows: SendJobRef[]): Promise<void> {
    const own = rows.filter((r) => !r.sendBatch);
    const batched = rows.filter((r) => r.sendBatch);
    const left = await this.repository.leaveBatch(
      batched.map((r) => ({ recipientId: r.id, generation: r.generation })),
    );
    const accountOf = new Map(batched.map((r) => [r.id, r.accountId]));
    const all = [...own, ...left.map((r) => ({ ...r, accountId: accountOf.get(r.id)! }))];
    for (const [accountId, accountRows] of groupBy(all, (r) => r.accountId))
      await this.addSendJobs(accountId, accountRows);
  }

  /**
   * A batch's row that must wait on its own (a retry's backoff, quiet hours) leaves the batch for a job of its own,
   * due in `delayMs`. Nothing when the row is no longer this batch's.
   */
  async leaveBatch(accountId: string, ref: RecipientRef, delayMs: number): Promise<void> {
    const [row] = await this.repository.leaveBatch([ref]);
    if (row) await this.addSendJobs(accountId, [row], delayMs);
  }

  private async addSendJobs(
    accountId: string,
    rows: Array<Omit<SendJobRef, 'accountId'>>,
    delayMs?: number,
  ): Promise<void> {
    const queue = this.queues.dynamicQueue(dispatchQueueName(accountId));
    const own = rows.filter((r) => !r.sendBatch);
    const batches = groupBy(
      rows.filter((r) => r.sendBatch),
      (r) => r.sendBatch!,
    );
    await this.queues.addBulk(
      queue,
      JobName.SendToRecipient,
      own.map((r) => ({
        payload: { recipientId: r.id, generation: r.generation },
        options: { ...this.sendJobOptions(r), jobId: sendJobId(r.id, r.generation), ...delayed(delayMs) },
      })),
    );
    await this.queues.addBulk(
      queue,
      JobName.SendBatch,
      [...batches].map(([head, batch]) => ({
        payload: { accountId, recipients: batch.map((r) => ({ recipientId: r.id, generation: r.generation })) },
        options: { ...this.sendJobOptions(batch[0]), jobId: batchJobId(head, batch[0].generation) },
      })),
    );
  }

  /** A job's options but its id. */
  private sendJobOptions(row: Omit<SendJobRef, 'accountId'>): JobsOptions {
    const wait = row.notBefore ? row.notBefore.getTime() - this.clock.now() : 0;
    return {
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

/** Items grouped by key, each group in the items' order, groups in the order their first item came. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

function delayed(delayMs: number | undefined): JobsOptions {
  return delayMs !== undefined && delayMs > 0 ? { delay: delayMs } : {};
}
