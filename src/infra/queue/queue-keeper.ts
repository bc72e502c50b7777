import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { AppConfig } from '@/config';
import { RedisService } from '@/infra/redis/redis.service';
import { JOB_QUEUE, JOB_SCHEDULES, QueueName } from './queue.constants';
import { QueueService } from './queue.service';

/**
 * Keeps what the worker role needs from Redis alive, from process memory alone, so Redis may lose everything at any
 * moment (a restart without persistence, a failover, a flush) and the service heals by itself:
 * - the job schedulers (the sweeper, housekeeping) are checked on a timer of this process, not of Redis, and
 *   re-created when missing;
 * - an "epoch" key written at start-up tells when Redis came back empty; `resets$` then fires, so the owners of
 *   lost jobs rebuild them from PostgreSQL (the dispatch sweeper re-adds every missing send job).
 * It logs what it found and did, once per event.
 */
@Injectable()
export class QueueKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueKeeper.name);
  private readonly resetSubject = new Subject<void>();
  /** Fires each time Redis was found emptied since the last check. */
  readonly resets$ = this.resetSubject.asObservable();
  private epoch: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private unreachable = false;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly queues: QueueService,
  ) {}

  /** How often Redis is checked: a few times per sweeper interval, at least every 5 s. */
  get intervalMs(): number {
    return Math.min(5000, Math.max(250, Math.floor(this.config.dispatch.sweeperIntervalMs / 3)));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.app.runsWorker) return;
    this.epoch = await this.currentEpoch();
    await this.ensureSchedulers(false);
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.resetSubject.complete();
  }

  /** One check (also called by tests): Redis emptied? schedulers present? Never throws. */
  check(): Promise<void> {
    this.running ??= this.checkOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    try {
      const epoch = await this.currentEpoch();
      if (this.unreachable) {
        this.unreachable = false;
        this.logger.log('Redis answers again');
      }
      const emptied = this.epoch !== null && epoch !== this.epoch;
      this.epoch = epoch;
      if (emptied) {
        this.logger.warn(
          'Redis lost its data (restart without persistence, failover or flush): re-creating job schedulers and ' +
            're-adding lost jobs from PostgreSQL',
        );
      }
      await this.ensureSchedulers(!emptied);
      if (emptied) this.resetSubject.next();
    } catch (err) {
      if (!this.unreachable) {
        this.unreachable = true;
        this.logger.warn(
          `Redis unavailable; queues resume when it answers: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }

  /** The epoch this Redis holds, written now if it holds none (it is new, or came back empty). */
  private async currentEpoch(): Promise<string> {
    const key = this.redis.key('epoch');
    await this.redis.client.set(key, randomUUID(), 'NX');
    const epoch = await this.redis.client.get(key);
    if (!epoch) throw new Error('the Redis epoch key vanished while it was read');
    return epoch;
  }

  /**
   * Upserts every job scheduler that is missing (and removes a disabled one); `warn` says so in the log (it should
   * not have gone missing).
   */
  private async ensureSchedulers(warn: boolean): Promise<void> {
    for (const schedule of JOB_SCHEDULES) {
      const queue = this.queues.staticQueue(JOB_QUEUE[schedule.name] as QueueName);
      const existing = await queue.getJobScheduler(schedule.id);
      if (schedule.enabled && !schedule.enabled(this.config)) {
        if (existing) await queue.removeJobScheduler(schedule.id);
        continue;
      }
      if (existing) continue;
      await queue.upsertJobScheduler(
        schedule.id,
        { every: schedule.everyMs(this.config) },
        { name: schedule.name, data: {} },
      );
      if (warn) this.logger.warn({ scheduler: schedule.id }, 'job scheduler was missing from Redis: re-created');
    }
  }
}
