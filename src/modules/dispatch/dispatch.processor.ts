import { Injectable } from '@nestjs/common';
import { DelayedError, RateLimitError, UnrecoverableError } from 'bullmq';
import { JobHandler, JobOf } from '@/infra/queue/job-handler.decorator';
import { JobName } from '@/infra/queue/queue.constants';
import { DispatchRepository } from './dispatch.repository';
import { DispatchService, SEND_PRIORITY } from './dispatch.service';
import { SenderService, SendOutcome } from './sender.service';
import { SweeperService, SweepReport } from './sweeper.service';

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
