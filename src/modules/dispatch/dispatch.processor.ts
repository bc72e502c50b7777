import { Injectable } from '@nestjs/common';
import { DelayedError, RateLimitError, UnrecoverableError } from 'bullmq';
import { JobHandler, JobOf } from '@/infra/queue/job-handler.decorator';
import { JobName } from '@/infra/queue/queue.constants';
import { DispatchRepository } from './dispatch.repository';
import { DispatchService, SEND_PRIORITY } from './dispatch.service';
import { SenderService, SendOutcome } from './sender.service';
import { SweeperService, SweepReport } from './sweeper.service';

/** How a batch's recipients ended up in one run of it. */
type BatchOutcome = SendOutcome | 'failed' | 'retry' | 'deferred';

/** Job handlers of the send pipeline: thin, each delegates to a service; BullMQ's mechanics stay here. */
@Injectable()
export class DispatchProcessor {
  constructor(
    private readonly dispatch: DispatchService,
    private readonly sender: SenderService,
    private readonly sweeper: SweeperService,
    private readonly repository: DispatchRepository,
  ) {}

  @JobHandler(JobName.DispatchCampaign)
  async dispatchCampaign(job: JobOf<JobName.DispatchCampaign>): Promise<{ queued: number }> {
    return { queued: await this.dispatch.dispatchCampaign(job.data.campaignId) };
  }

  @JobHandler(JobName.StartScheduledCampaign)
  async startScheduled(job: JobOf<JobName.StartScheduledCampaign>): Promise<{ started: boolean }> {
    const started = await this.repository.startScheduledIfDue(job.data.campaignId);
    if (started) await this.dispatch.requestDispatch(job.data.campaignId);
    return { started };
  }

  @JobHandler(JobName.SweepCampaigns)
  sweep(): Promise<SweepReport> {
    return this.sweeper.sweep();
  }

  /**
   * A batch's first tries, one after another, each as its own job would send it. A recipient that must wait on its
   * own (a retry's backoff, its quiet hours) leaves the batch for a job of its own; no rate slot soon (or shutting
   * down) and a 429 put the whole batch back, to go on where it stopped (the recipients it finished are no longer
   * its to claim, so they cost one statement each and are not sent again).
   */
  @JobHandler(JobName.SendBatch)
  async sendBatch(job: JobOf<JobName.SendBatch>, token?: string): Promise<Partial<Record<BatchOutcome, number>>> {
    const outcomes: Partial<Record<BatchOutcome, number>> = {};
    const count = (outcome: BatchOutcome): void => void (outcomes[outcome] = (outcomes[outcome] ?? 0) + 1);
    const timing = { queuedAt: job.timestamp, firstRun: job.attemptsStarted <= 1 };
    for (const recipient of job.data.recipients) {
      const result = await this.sender.send(recipient, timing);
      switch (result.kind) {
        case 'done':
          count(result.outcome);
          break;
        case 'failed':
          count('failed');
          break;
        case 'retry':
        case 'deferred':
          await this.dispatch.leaveBatch(job.data.accountId, recipient, result.delayMs);
          count(result.kind);
          break;
        case 'later':
          await job.moveToDelayed(Date.now() + result.delayMs, token);
          throw new DelayedError();
        case 'rate_limited':
          throw new RateLimitError();
      }
    }
    return outcomes;
  }

  @JobHandler(JobName.SendToRecipient)
  async send(job: JobOf<JobName.SendToRecipient>, token?: string): Promise<SendOutcome> {
    const result = await this.sender.send(job.data, { queuedAt: job.timestamp, firstRun: job.attemptsStarted <= 1 });
    switch (result.kind) {
      case 'done':
        return result.outcome;
      case 'retry':
        // Back in the queue when the backoff ends, ahead of every recipient not tried yet.
        await job.changePriority({ priority: SEND_PRIORITY.retry });
        await job.moveToDelayed(Date.now() + result.delayMs, token);
        throw new DelayedError();
      case 'later':
      case 'deferred':
        await job.moveToDelayed(Date.now() + result.delayMs, token);
        throw new DelayedError();
      case 'rate_limited':
        throw new RateLimitError();
      case 'failed':
        throw new UnrecoverableError(result.error);
    }
  }
}
