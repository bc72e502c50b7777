import { Injectable, Logger } from '@nestjs/common';
import { dispatchQueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { ThreadsService } from '@/modules/threads/threads.service';
import { DispatchMetrics } from './dispatch.metrics';
import { DispatchRepository, InFlightRow } from './dispatch.repository';
import { DispatchService, SendJobRef } from './dispatch.service';
import { DispatchWorkers } from './dispatch-workers';
import { jobIdOf } from './external-ids';
import { ProgressService } from './progress.service';

/** Pending rows untouched this long mean the campaign's dispatch job was lost. */
const IDLE_PENDING_MS = 30_000;
/** Queued/in-flight rows untouched this long get their job checked. */
const STALE_IN_FLIGHT_MS = 120_000;
const CHECK_BATCH = 2000;
/** Finished campaigns keep their gauges this long: replies (and STOPs) come in long after the last send. */
export const OUTCOMES_EXPORTED_FOR_MS = 7 * 24 * 3600 * 1000;
/** Finished campaigns' gauges are refreshed this often (running ones every sweep). */
export const FINISHED_GAUGES_EVERY_MS = 60_000;
/** At most this many campaigns (the newest) have gauges, to bound the label set. */
export const EXPORTED_CAMPAIGNS = 200;

export interface SweepReport {
  started: number;
  redispatched: number;
  checked: number;
  readded: number;
  requeued: number;
  completed: number;
}

export interface SweepOptions {
  /**
   * Check every queued and in-flight row now, however recently touched, and re-dispatch every campaign with pending
   * rows (after Redis lost its data, when every job may be gone), and refresh every campaign gauge.
   */
  full?: boolean;
}

/**
 * The safety net that makes PostgreSQL the source of truth: starts scheduled campaigns that are due, re-dispatches
 * campaigns whose pending rows nobody queued (a process died between commit and enqueue), re-adds send jobs that are
 * missing from Redis (Redis restarted or was flushed), re-queues rows whose job finished without finishing them,
 * completes campaigns with nothing left, and exports gauges.
 */
@Injectable()
export class SweeperService {
  private readonly logger = new Logger(SweeperService.name);
  private readonly exportedCampaigns = new Set<string>();
  /** Recently finished campaigns with gauges, as last read, and when. */
  private recent: string[] = [];
  private recentReadAt = 0;

  constructor(
    private readonly repository: DispatchRepository,
    private readonly dispatch: DispatchService,
    private readonly queues: QueueService,
    private readonly channels: ChannelsService,
    private readonly workers: DispatchWorkers,
    private readonly progress: ProgressService,
    private readonly metrics: DispatchMetrics,
    private readonly threads: ThreadsService,
  ) {}

  async sweep(options: SweepOptions = {}): Promise<SweepReport> {
    const accountIds = await this.workers.ensure();
    const started = await this.repository.startDueScheduled();
    const idle = await this.repository.campaignsWithIdlePending(options.full ? 0 : IDLE_PENDING_MS);

    let checked = 0;
    let readded = 0;
    const stranded = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const rows = await this.repository.staleInFlight(options.full ? 0 : STALE_IN_FLIGHT_MS, CHECK_BATCH, after);
      if (rows.length === 0) break;
      const result = await this.repair(await this.sendJobs(rows));
      checked += rows.length;
      readded += result.readded;
      result.requeuedCampaigns.forEach((id) => stranded.add(id));
      // A routine sweep checks the oldest batch; a full one walks every row once.
      if (!options.full || rows.length < CHECK_BATCH) break;
      after = rows[rows.length - 1].id;
    }

    for (const id of new Set([...started, ...idle, ...stranded])) await this.dispatch.requestDispatch(id);
    const completed = await this.repository.completeAllDone();
    await this.exportGauges(accountIds, options.full ?? false);
    const report: SweepReport = {
      started: started.length,
      redispatched: idle.length,
      checked,
      readded,
      requeued: stranded.size,
      completed: completed.length,
    };
    if (report.started + report.redispatched + report.readded + report.requeued + report.completed > 0)
      this.logger.log(report, options.full ? 'full sweep' : 'sweep');
    return report;
  }

  /**
   * For rows that should have a live job: a job missing from Redis is added again (same id); a job that finished
   * (completed or failed) while its row stayed open sends the row back to PENDING for a new generation. Rows whose job
   * is waiting or running are touched, so the next routine sweep checks others.
   */
  private async repair(rows: SendJobRef[]): Promise<{ readded: number; requeuedCampaigns: string[] }> {
    const missing: SendJobRef[] = [];
    const finished: SendJobRef[] = [];
    const alive: string[] = [];
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      // (a batch's rows share its job: one lookup each)
      const lookups = new Map<string, Promise<string>>();
      const states = await Promise.all(
        chunk.map((r) => {
          const jobId = jobIdOf(r);
          let state = lookups.get(jobId);
          if (!state) {
            state = this.queues.dynamicQueue(dispatchQueueName(r.accountId)).getJobState(jobId);
            lookups.set(jobId, state);
          }
          return state;
        }),
      );
      chunk.forEach((row, j) => {
        const state = states[j];
        if (state === 'unknown') missing.push(row);
        else if (state === 'completed' || state === 'failed') finished.push(row);
        else alive.push(row.id);
      });
    }
    if (missing.length > 0) {
      await this.dispatch.readd(missing);
      this.logger.warn({ count: missing.length }, 're-added send jobs missing from Redis');
    }
    const requeuedCampaigns = await this.repository.requeueStranded(
      finished.map((r) => ({ recipientId: r.id, generation: r.generation })),
    );
    if (finished.length > 0)
      this.logger.warn({ count: finished.length }, 're-queued recipients whose job ended without finishing them');
    await this.repository.touch(alive);
    return { readded: missing.length, requeuedCampaigns };
  }

  /** The send job each row should have, on its channel's account queue. */
  private async sendJobs(rows: InFlightRow[]): Promise<SendJobRef[]> {
    const accountOf = new Map<string, string>();
    for (const channelId of new Set(rows.map((r) => r.channelId))) {
      accountOf.set(channelId, (await this.channels.cachedInfo(channelId)).accountId);
    }
    return rows.map((r) => ({
      id: r.id,
      generation: r.generation,
      accountId: accountOf.get(r.channelId)!,
      attempts: r.attempts,
      notBefore: r.notBefore,
      sendBatch: r.sendBatch,
    }));
  }

  private async exportGauges(accountIds: string[], full: boolean): Promise<void> {
    for (const accountId of accountIds) {
      const name = dispatchQueueName(accountId);
      const counts = await this.queues
        .dynamicQueue(name)
        .getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, value] of Object.entries(counts as Record<string, number>))
        this.metrics.queueJobs.set({ queue: name, state }, value);
    }
    // Running and paused campaigns every sweep; finished ones (whose replies trickle in) once a minute, as counting
    // their recipients and threads is the expensive part.
    const active = await this.repository.activeCampaignIds();
    const refreshFinished = full || Date.now() - this.recentReadAt >= FINISHED_GAUGES_EVERY_MS;
    if (refreshFinished) {
      this.recent = await this.repository.recentCampaignIds(OUTCOMES_EXPORTED_FOR_MS, EXPORTED_CAMPAIGNS);
      this.recentReadAt = Date.now();
    }
    const recent = [...new Set([...active, ...this.recent])];
    const refresh = refreshFinished ? recent : active;
    const [counts, outcomes] = await Promise.all([
      this.progress.countsByStatus(refresh),
      this.threads.outcomesOf(refresh),
    ]);
    for (const id of refresh) {
      const c = ProgressService.counts(counts.get(id) ?? {});
      for (const [status, value] of Object.entries(c) as Array<[string, number]>) {
        if (status !== 'total') this.metrics.campaignRecipients.set({ campaign: id, status }, value);
      }
      const o = outcomes.get(id) ?? { replied: 0, optedOut: 0, autoClosed: 0 };
      this.metrics.campaignOutcomes.set({ campaign: id, outcome: 'replied' }, o.replied);
      this.metrics.campaignOutcomes.set({ campaign: id, outcome: 'opted_out' }, o.optedOut);
      this.metrics.campaignOutcomes.set({ campaign: id, outcome: 'auto_closed' }, o.autoClosed);
      if (c.sent > 0) this.metrics.campaignReplyRate.set({ campaign: id }, o.replied / c.sent);
      this.exportedCampaigns.add(id);
    }
    for (const id of [...this.exportedCampaigns].filter((id) => !recent.includes(id))) {
      for (const status of Object.keys(ProgressService.counts({})))
        this.metrics.campaignRecipients.remove({ campaign: id, status });
      for (const outcome of ['replied', 'opted_out', 'auto_closed'])
        this.metrics.campaignOutcomes.remove({ campaign: id, outcome });
      this.metrics.campaignReplyRate.remove({ campaign: id });
      this.exportedCampaigns.delete(id);
    }
  }
}
