import { Injectable, Logger } from '@nestjs/common';
import { JobHandler, JobOf } from '@/infra/queue/job-handler.decorator';
import { JobName, QueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { CxoneEventsService, processEventJobOptions } from './cxone-events.service';

/** A stored event not processed this long after it arrived has lost its job (Redis was away, or flushed). */
const STALE_EVENT_MS = 30_000;

/** Job handlers for CXone's pushed events: thin, BullMQ's mechanics here. */
@Injectable()
export class CxoneEventsProcessor {
  private readonly logger = new Logger(CxoneEventsProcessor.name);

  constructor(
    private readonly events: CxoneEventsService,
    private readonly queues: QueueService,
  ) {}

  @JobHandler(JobName.ProcessCxoneEvent)
  process(job: JobOf<JobName.ProcessCxoneEvent>): Promise<string> {
    return this.events.process(job.data.eventRowId);
  }

  /** Stored events whose job was lost are queued again (their job id is derived from the row, so never twice). */
  @JobHandler(JobName.SweepCxoneEvents)
  async sweep(): Promise<{ requeued: number }> {
    const queue = this.queues.staticQueue(QueueName.Inbound);
    let requeued = 0;
    for (const id of await this.events.unprocessed(STALE_EVENT_MS, 1000)) {
      const jobId = processEventJobOptions(id).jobId;
      const state = await queue.getJobState(jobId);
      if (state !== 'unknown' && state !== 'completed' && state !== 'failed') continue;
      if (state !== 'unknown') await queue.remove(jobId).catch(() => undefined);
      await this.events.queue(id);
      requeued++;
    }
    if (requeued > 0) this.logger.warn({ requeued }, 're-queued CXone events whose processing job was lost');
    return { requeued };
  }
}
