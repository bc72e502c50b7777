import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DispatchRepository } from './dispatch.repository';

const AT_MOST_EVERY_MS = 1000;

/**
 * Notes a campaign's progress (for stall detection) and completes it soon after its last recipient finishes, at the
 * cost of at most one query per campaign per second per worker (not one per send). The sweeper remains the safety
 * net.
 */
@Injectable()
export class CompletionChecker implements OnApplicationShutdown {
  private readonly logger = new Logger(CompletionChecker.name);
  private readonly lastCheck = new Map<string, number>();
  private readonly scheduled = new Map<string, NodeJS.Timeout>();

  constructor(private readonly repository: DispatchRepository) {}

  /** A recipient of `campaignId` reached a final state. */
  check(campaignId: string): void {
    if (this.scheduled.has(campaignId)) return;
    const wait = Math.max(0, (this.lastCheck.get(campaignId) ?? 0) + AT_MOST_EVERY_MS - Date.now());
    const timer = setTimeout(() => {
      this.scheduled.delete(campaignId);
      this.lastCheck.set(campaignId, Date.now());
      this.repository
        .noteProgressAndCompleteIfDone(campaignId)
        .then((completed) => {
          if (completed) {
            this.lastCheck.delete(campaignId);
            this.logger.log({ campaignId }, 'campaign completed');
          }
        })
        .catch((err: unknown) => this.logger.warn(`completion check failed (the sweeper will retry): ${String(err)}`));
    }, wait);
    timer.unref();
    this.scheduled.set(campaignId, timer);
  }

  onApplicationShutdown(): void {
    for (const timer of this.scheduled.values()) clearTimeout(timer);
    this.scheduled.clear();
  }
}
