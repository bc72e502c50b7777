import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@/config';
import { dispatchQueueName } from '@/infra/queue/queue.constants';
import { WorkerManager } from '@/infra/queue/worker-manager';
import { CxoneUnavailableError } from '@/integrations/cxone/cxone.errors';
import { AccountsService } from '@/modules/accounts/accounts.service';

const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

/**
 * Capped exponential backoff with full jitter (a random delay up to min(cap, base·2^attempt)), never sooner than a
 * Retry-After CXone sent with a 5xx.
 */
export function sendBackoff(attemptsMade: number, err: Error | undefined, random = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.floor(random() * ceiling);
  const retryAfter = err instanceof CxoneUnavailableError ? (err.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, retryAfter);
}

/** One dispatch worker per CXone account queue, in the worker role; new accounts get theirs at the next sweep. */
@Injectable()
export class DispatchWorkers implements OnApplicationBootstrap {
  private readonly logger = new Logger(DispatchWorkers.name);

  constructor(
    private readonly workers: WorkerManager,
    private readonly accounts: AccountsService,
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
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => sendBackoff(attemptsMade, err),
        },
      });
      this.logger.log({ accountId: id }, 'dispatch worker started');
    }
    return ids;
  }
}
