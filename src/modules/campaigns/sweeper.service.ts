import { Injectable, Logger } from '@nestjs/common';
import { dispatchQueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { CampaignsRepository, InFlightRow } from './campaigns.repository';
import { DispatchMetrics } from './dispatch.metrics';
import { DispatchService, SendJobRef } from './dispatch.service';
import { DispatchWorkers } from './dispatch-workers';
import { sendJobId } from './external-ids';
import { ProgressService } from './progress.service';

/** Pending rows untouched this long mean the campaign's dispatch job was lost. */
const IDLE_PENDING_MS = 30_000;
/** Queued/in-flight rows untouched this long get their job checked. */
const STALE_IN_FLIGHT_MS = 120_000;
const CHECK_BATCH = 2000;

export interface SweepReport {
  started: number;
  redispatched: number;
  checked: number;
  readded: number;
  completed: number;
}

/**
 * The safety net that makes PostgreSQL the source of truth: starts scheduled campaigns that are due, re-dispatches
 * campaigns whose pending rows nobody queued (a process died between commit and enqueue), re-adds send jobs that are
 * missing from Redis (Redis restarted or was flushed), completes campaigns with nothing left, and exports gauges.
 */
@Injectable()
export class SweeperService {
  private readonly logger = new Logger(SweeperService.name);
  private readonly exportedCampaigns = new Set<string>();

  constructor(
    private readonly repository: CampaignsRepository,
    private readonly dispatch: DispatchService,
    private readonly queues: QueueService,
    private readonly channels: ChannelsService,
    private readonly workers: DispatchWorkers,
    private readonly metrics: DispatchMetrics,
  ) {}

  async sweep(): Promise<SweepReport> {
    const accountIds = await this.workers.ensure();
    const started = await this.repository.startDueScheduled();
    const idle = await this.repository.campaignsWithIdlePending(IDLE_PENDING_MS);
    for (const id of new Set([...started, ...idle])) await this.dispatch.requestDispatch(id);

    const stale = await this.sendJobs(await this.repository.staleInFlight(STALE_IN_FLIGHT_MS, CHECK_BATCH));
    const missing = await this.missingJobs(stale);
    if (missing.length > 0) {
      await this.dispatch.readd(missing);
      this.logger.warn({ count: missing.length }, 're-added send jobs missing from Redis');
    }
    const missingIds = new Set(missing.map((r) => r.id));
    await this.repository.touch(stale.filter((r) => !missingIds.has(r.id)).map((r) => r.id));

    const completed = await this.repository.completeAllDone();
    await this.exportGauges(accountIds);
    const report = {
      started: started.length,
      redispatched: idle.length,
      checked: stale.length,
      readded: missing.length,
      completed: completed.length,
    };
    if (report.started + report.redispatched + report.readded + report.completed > 0) this.logger.log(report, 'sweep');
    return report;
  }

  /** The send job each row should have, on its channel's account queue. */
  private async sendJobs(rows: InFlightRow[]): Promise<SendJobRef[]> {
    const accountOf = new Map<string, string>();
    for (const channelId of new Set(rows.map((r) => r.channelId))) {
      accountOf.set(channelId, (await this.channels.cachedInfo(channelId)).accountId);
    }
    return rows.map((r) => ({ id: r.id, generation: r.generation, accountId: accountOf.get(r.channelId)! }));
  }

  /** Jobs that no longer exist in Redis. */
  private async missingJobs(rows: SendJobRef[]): Promise<SendJobRef[]> {
    const missing: SendJobRef[] = [];
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      const states = await Promise.all(
        chunk.map((r) =>
          this.queues.dynamicQueue(dispatchQueueName(r.accountId)).getJobState(sendJobId(r.id, r.generation)),
        ),
      );
      chunk.forEach((row, j) => {
        if (states[j] === 'unknown') missing.push(row);
      });
    }
    return missing;
  }

  private async exportGauges(accountIds: string[]): Promise<void> {
    for (const accountId of accountIds) {
      const name = dispatchQueueName(accountId);
      const counts = await this.queues
        .dynamicQueue(name)
        .getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, value] of Object.entries(counts as Record<string, number>))
        this.metrics.queueJobs.set({ queue: name, state }, value);
    }
    const active = await this.repository.runningCampaignIds();
    const counts = await this.repository.countsByStatus(active);
    for (const id of active) {
      const c = ProgressService.counts(counts.get(id) ?? {});
      for (const [status, value] of Object.entries(c) as Array<[string, number]>) {
        if (status !== 'total') this.metrics.campaignRecipients.set({ campaign: id, status }, value);
      }
      this.exportedCampaigns.add(id);
    }
    for (const id of [...this.exportedCampaigns].filter((id) => !active.includes(id))) {
      for (const status of Object.keys(ProgressService.counts({})))
        this.metrics.campaignRecipients.remove({ campaign: id, status });
      this.exportedCampaigns.delete(id);
    }
  }
}
