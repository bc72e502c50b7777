import { Injectable, Logger } from '@nestjs/common';
import { DelayedError } from 'bullmq';
import { JobHandler, JobOf } from '@/infra/queue/job-handler.decorator';
import { JobName, QueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { MessagesService } from '@/modules/messages/messages.service';
import { ConversationsService, relayJobOptions } from './conversations.service';
import { RelayService } from './relay.service';

/** A stored customer message untouched this long without being relayed has lost its job. */
const STALE_RELAY_MS = 60_000;

/** Job handlers of the BYOC conversations: thin, BullMQ's mechanics here. */
@Injectable()
export class ConversationsProcessor {
  private readonly logger = new Logger(ConversationsProcessor.name);

  constructor(
    private readonly relays: RelayService,
    private readonly conversations: ConversationsService,
    private readonly messages: MessagesService,
    private readonly queues: QueueService,
  ) {}

  @JobHandler(JobName.RelayCustomerMessage)
  async relay(job: JobOf<JobName.RelayCustomerMessage>, token?: string): Promise<string> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const result = await this.relays.relay(job.data.messageId, lastAttempt);
    switch (result.kind) {
      case 'done':
        return result.outcome;
      case 'later':
        await job.moveToDelayed(Date.now() + result.delayMs, token);
        throw new DelayedError();
      case 'retry':
        throw result.error;
    }
  }

  @JobHandler(JobName.CloseCxoneContact)
  async closeContact(job: JobOf<JobName.CloseCxoneContact>): Promise<void> {
    await this.conversations.closeInCxone(job.data.threadId);
  }

  /** Customer messages whose relay job was lost (Redis down when it was queued, or flushed since) are queued again. */
  @JobHandler(JobName.SweepConversations)
  async sweep(): Promise<{ requeued: number }> {
    const stale = await this.messages.staleRelays(STALE_RELAY_MS, 1000);
    const queue = this.queues.staticQueue(QueueName.Conversations);
    let requeued = 0;
    for (const { id } of stale) {
      const state = await queue.getJobState(relayJobOptions(id).jobId!);
      if (state !== 'unknown' && state !== 'completed' && state !== 'failed') continue;
      if (state !== 'unknown') await queue.remove(relayJobOptions(id).jobId!).catch(() => undefined);
      await this.queues.add(JobName.RelayCustomerMessage, { messageId: id }, relayJobOptions(id));
      await this.messages.transition(id, 'QUEUED');
      requeued++;
    }
    if (requeued > 0) this.logger.warn({ requeued }, 're-queued customer messages whose relay job was lost');
    return { requeued };
  }
}
