import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@/config';
import { dispatchQueueName } from '@/infra/queue/queue.constants';
import { WorkerManager } from '@/infra/queue/worker-manager';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { RetryPolicy } from './retry-policy';

/**
 * One dispatch worker per CXone account queue, in the worker role; new accounts get theirs at the next sweep. The
 * set of accounts comes from PostgreSQL, so a Redis that lost everything changes nothing here.
 */
@Injectable()
export class DispatchWorkers implements OnApplicationBootstrap {
  private readonly logger = new Logger(DispatchWorkers.name);

  constructor(
    private readonly workers: WorkerManager,
    private readonly accounts: AccountsService,
    private readonly policy: RetryPolicy,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.app.runsWorker) await this.ensure();
  }

  /** Starts the workers that are missing; returns every account id. */
  async ensure(): Promise<string[]> {
    await this.accounts.defaultAccountId();
    const ids = await this.accounts.allIds();
    if (!this.config.app.runsWorker) return ids;
    for (const id of ids) {
      const name = dispatchQueueName(id);
      if (this.workers.worker(name)) continue;
      this.workers.start(name, {
        concurrency: this.config.dispatch.concurrency,
        lockDuration: this.config.dispatch.lockDurationMs,
        stalledInterval: this.config.dispatch.lockDurationMs,
        // Pacing is the shared Redis limiter's job; this limiter is only set so queue.rateLimit() (on 429) is honoured.
        limiter: { max: 1_000_000, duration: 1000 },
        settings: { backoffStrategy: (attemptsMade: number) => this.policy.backoffMs(attemptsMade) },
      });
      this.logger.log({ accountId: id }, 'dispatch worker started');
    }
    return ids;
  }
}
