import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { AppConfig } from '@/config';
import { QueueKeeper } from '@/infra/queue/queue-keeper';
import { Clock } from '@/infra/time/clock';
import { DispatchMetrics } from './dispatch.metrics';
import { DispatchRepository, StalledCampaign } from './dispatch.repository';
import { SweeperService } from './sweeper.service';

/**
 * Watches dispatch from this process's own timer (not a Redis job, which could be lost with Redis):
 * - when the QueueKeeper finds Redis emptied, it runs a full sweep at once, so every lost send job is re-added from
 *   PostgreSQL within one check interval, not after the routine sweep's two-minute staleness threshold;
 * - it reports running campaigns that have work left but made no progress for DISPATCH_STALL_AFTER_MS, as the
 *   `threadline_dispatch_stalled_campaigns` gauge, a readiness detail and a warning, so an alert can fire.
 */
@Injectable()
export class DispatchWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DispatchWatchdog.name);
  private timer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;
  private stalled: StalledCampaign[] = [];
  private reported = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly keeper: QueueKeeper,
    private readonly sweeper: SweeperService,
    private readonly repository: DispatchRepository,
    private readonly metrics: DispatchMetrics,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.app.runsWorker) return;
    this.subscription = this.keeper.resets$.subscribe(() => void this.recover());
    this.timer = setInterval(() => void this.checkStalls(), Math.min(this.config.dispatch.sweeperIntervalMs, 15_000));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
  }

  /** Campaigns reported stalled at the last check. */
  stalledCampaigns(): readonly StalledCampaign[] {
    return this.stalled;
  }

  async recover(): Promise<void> {
    this.metrics.redisResets.inc();
    try {
      const report = await this.sweeper.sweep({ full: true });
      this.logger.warn(report, 'dispatch rebuilt from PostgreSQL after Redis lost its data');
    } catch (err) {
      // The routine sweep (re-created by the keeper) and the next reset check will try again.
      this.logger.error(`rebuilding dispatch after a Redis reset failed: ${String(err)}`);
    }
  }

  async checkStalls(): Promise<void> {
    try {
      const stalled = await this.repository.stalledCampaigns(
        new Date(this.clock.now() - this.config.dispatch.stallAfterMs),
      );
      this.stalled = stalled;
      this.metrics.stalledCampaigns.set(stalled.length);
      for (const c of stalled) {
        if (this.reported.has(c.id)) continue;
        this.logger.warn(
          { campaignId: c.id, lastProgressAt: c.lastProgressAt.toISOString() },
          'dispatch stalled: the campaign has recipients left but none finished recently',
        );
      }
      for (const c of stalled.filter((s) => !this.reported.has(s.id))) this.reported.add(c.id);
      for (const id of [...this.reported]) {
        if (stalled.some((c) => c.id === id)) continue;
        this.reported.delete(id);
        this.logger.log({ campaignId: id }, 'dispatch moving again');
      }
    } catch (err) {
      this.logger.warn(`stall check failed: ${String(err)}`);
    }
  }
}
