import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@/config';
import { ChannelsService } from '@/modules/channels/channels.service';
import { ThreadsService } from '@/modules/threads/threads.service';
import { CONTACT_READS_PER_SECOND, ContactReadBudget } from './contact-read-budget';
import { ConversationEvents } from './conversation-events';
import { ConversationsService } from './conversations.service';

const TICK_MS = 1000;
const BATCH = 200;
/**
 * The BYOC conversation timers, on this process's own clock but with PostgreSQL as their record, so they survive
 * restarts and each fires once across replicas (a timer is claimed by the UPDATE that moves its thread):
 * - 'still there?': an open chat whose customer was silent for the channel's idle time is prompted, with a countdown;
 * - the end: a prompted chat whose countdown ran out is closed, and its CXone contact closed (the agent sees it);
 * - agent-ended: open chats' CXone contacts are read every BYOC_STATUS_POLL_MS, within a share of the DFO read
 *   budget, and a resolved or closed contact locks the conversation.
 */
@Injectable()
export class ConversationTimers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConversationTimers.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly threads: ThreadsService,
    private readonly channels: ChannelsService,
    private readonly conversations: ConversationsService,
    private readonly events: ConversationEvents,
    private readonly readBudget: ContactReadBudget,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.app.runsWorker) return;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One round of every timer (also called by tests). Never throws. */
  tick(): Promise<void> {
    this.running ??= this.runOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async runOnce(): Promise<void> {
    await this.step('idle prompts', () => this.prompt());
    await this.step('idle ends', () => this.end());
    await this.step('agent-ended checks', () => this.checkStatuses());
  }

  private async prompt(): Promise<void> {
    for (const thread of await this.threads.promptIdle(BATCH)) {
      await this.events.publish(thread.contactId, {
        type: 'conversation',
        thread: {
          id: thread.id,
          status: 'idle-prompted',
          endedBy: null,
          idleEndsAt: thread.idleEndAt?.toISOString() ?? null,
          canWrite: true,
        },
      });
    }
  }

  private async end(): Promise<void> {
    for (const thread of await this.threads.endIdle(BATCH)) {
      // closed by endIdle already: tell the widgets and close the CXone contact
      await this.conversations.announceIdleEnd(thread);
    }
  }

  private async checkStatuses(): Promise<void> {
    const due = await this.threads.dueForStatusCheck(this.config.byoc.statusPollMs, CONTACT_READS_PER_SECOND);
    for (const thread of due) {
      const channel = await this.channels.cachedByoc(thread.channelId);
      if (!(await this.readBudget.take(channel.accountId, 'poll', 2000))) break; // the read budget is spent for now; the rest are due again next round
      await this.conversations
        .checkAgentEnded(channel, thread)
        .catch((err: unknown) => this.logger.debug(`contact status not read: ${String(err)}`));
    }
  }

  private async step(what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.logger.warn(`conversation timers (${what}) failed; next round retries: ${String(err)}`);
    }
  }
}
