import { Injectable } from '@nestjs/common';
import { JobHandler, JobOf } from '@/infra/queue/job-handler.decorator';
import { JobName } from '@/infra/queue/queue.constants';
import { CampaignsRepository } from './campaigns.repository';
import { DispatchService } from './dispatch.service';
import { SenderService, SendOutcome } from './sender.service';
import { SweeperService, SweepReport } from './sweeper.service';

/** Job handlers of the campaign pipeline: thin, each delegates to a service. */
@Injectable()
export class CampaignsProcessor {
  constructor(
    private readonly dispatch: DispatchService,
    private readonly sender: SenderService,
    private readonly sweeper: SweeperService,
    private readonly repository: CampaignsRepository,
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
  send(job: JobOf<JobName.SendToRecipient>, token?: string): Promise<SendOutcome> {
    return this.sender.send(job, token);
  }
}
