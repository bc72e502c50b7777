import { Injectable, Logger } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { createHash } from 'node:crypto';
import { AppConfig } from '@/config';
import { JobName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { withDeadline } from '@/infra/time/deadline';
import { CxoneClient } from '@/integrations/cxone/cxone.client';
import type { DfoContactStatus, DfoMessageContent } from '@/integrations/cxone/dfo.types';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ByocChannel, ChannelsService } from '@/modules/channels/channels.service';
import { messageExternalId } from '@/modules/dispatch/external-ids';
import { MessageRow, MessagesService } from '@/modules/messages/messages.service';
import { ThreadRow, ThreadsService, TimedThread } from '@/modules/threads/threads.service';
import { agentMessageId, conversationThreadId, customerMessageId } from './conversation-ids';
import { ContactReadBudget } from './contact-read-budget';
import { ConversationEvents } from './conversation-events';
import { MessageView, ThreadView, toMessageView, toThreadView } from './conversation-views';
import { ConversationEndedError } from './conversations.errors';

/** CXone closes a contact with these; the conversation is then over for the customer. */
const ENDED_CONTACT_STATUSES: ReadonlySet<DfoContactStatus> = new Set(['resolved', 'closed', 'trashed']);
/**
 * A customer's post reads the CXone contact's status first (agent-ended detection) when this process has not read it
 * for that thread within STATUS_READ_EVERY_MS and the posts' share of the read budget has a slot within
 * STATUS_SLOT_WAIT_MS; else it goes ahead, and the periodic poll finds an end.
 */
const STATUS_READ_EVERY_MS = 2_000;
const STATUS_SLOT_WAIT_MS = 50;
const STATUS_READ_MEMO_MAX = 10_000;
/** How long a customer's post waits for that read before going ahead without it. */
const STATUS_CHECK_TIMEOUT_MS = 1_500;
const PROACTIVE_THREAD = /^tl-([0-9a-f-]{36})$/;

export interface CustomerPost {
  clientMessageId: string;
  text: string;
}

/** What CXone posted as an agent's (or bot's) message to a BYOC channel. */
export interface AgentMessage {
  threadExternalId: string;
  content: DfoMessageContent;
  /** The customer it is for (a thread Threadline has not seen is an agent starting a conversation with them). */
  recipient: { idOnExternalPlatform: string; name: string | null } | null;
  authorName: string | null;
}

export interface DeliveredAgentMessage {
  message: { idOnExternalPlatform: string; createdAtWithMilliseconds: string; url: string };
  thread: { idOnExternalPlatform: string };
}

/**
 * The BYOC chat flow, between the widget API and CXone's callbacks, over the thread and message store:
 * - a customer's post is stored first (once per client message id), then relayed to CXone by a queued job;
 * - an agent's message (CXone's outbound callback) is stored once (CXone retrying the same call within
 *   BYOC_REPLY_DEDUPE_SECONDS is the same message) and delivered live to every open widget of the customer;
 * - a conversation the agent ended (its CXone contact resolved or closed) stays ended: further posts get a 409 and
 *   the customer may start a new conversation. Idle timers and periodic status reads live in ConversationTimers.
 */
@Injectable()
export class ConversationsService {
  private readonly logger = new Logger(ConversationsService.name);
  /** When this process last read each thread's contact status before a post (a memo, not a record). */
  private readonly statusReadAt = new Map<string, number>();

  constructor(
    private readonly threads: ThreadsService,
    private readonly messages: MessagesService,
    private readonly events: ConversationEvents,
    private readonly queues: QueueService,
    private readonly cxone: CxoneClient,
    private readonly accounts: AccountsService,
    private readonly channels: ChannelsService,
    private readonly config: AppConfig,
    private readonly readBudget: ContactReadBudget,
  ) {}

  /** The customer's contact on the channel (created if new): the topic of their live events. */
  contactOf(channel: ByocChannel, customerId: string): Promise<string> {
    return this.threads.ensureContact(channel.id, customerId, null);
  }

  /** Stored messages of the customer after stream position `afterSeq`, for a reconnecting widget. */
  async since(contactId: string, afterSeq: string): Promise<Array<{ seq: string; message: MessageView }>> {
    return (await this.messages.sinceForContact(contactId, afterSeq, 1000)).map((m) => ({
      seq: m.seq,
      message: toMessageView(m),
    }));
  }

  /** A widget session begins: the customer's contact exists, and their latest conversation (if any) is returned. */
  async begin(channel: ByocChannel, customerId: string, name: string | null): Promise<ThreadView | null> {
    await this.threads.ensureContact(channel.id, customerId, name);
    const latest = await this.threads.latestOfCustomer(channel.id, customerId);
    return latest ? toThreadView(latest) : null;
  }

  /** The customer's current (latest) conversation and its messages, oldest first. */
  async current(
    channel: ByocChannel,
    customerId: string,
  ): Promise<{ thread: ThreadView | null; messages: MessageView[] }> {
    const latest = await this.threads.latestOfCustomer(channel.id, customerId);
    if (!latest) return { thread: null, messages: [] };
    return {
      thread: toThreadView(latest),
      messages: (await this.messages.rowsOf(latest.id)).map(toMessageView),
    };
  }

  /** Starts a new conversation, or returns the open one. */
  async start(channel: ByocChannel, customerId: string): Promise<ThreadView> {
    const latest = await this.threads.latestOfCustomer(channel.id, customerId);
    if (latest && latest.status !== 'CLOSED') return toThreadView(latest);
    const contactId = await this.threads.ensureContact(channel.id, customerId, null);
    const { thread } = await this.threads.openConversation({
      channelId: channel.id,
      contactId,
      idOnExternalPlatform: conversationThreadId(),
      origin: 'INBOUND',
    });
    await this.events.publish(contactId, { type: 'conversation', thread: toThreadView(thread) });
    return toThreadView(thread);
  }

  /**
   * The customer writes: refused (409) when their conversation ended; else stored (the same client message id twice
   * is one message), the idle timer restarted, and the relay to CXone queued.
   */
  async post(channel: ByocChannel, customerId: string, post: CustomerPost): Promise<MessageView> {
    let thread = await this.threads.latestOfCustomer(channel.id, customerId);
    if (!thread) {
      await this.start(channel, customerId);
      thread = (await this.threads.latestOfCustomer(channel.id, customerId))!;
    }
    const idOnExternalPlatform = customerMessageId(thread.contactId, post.clientMessageId);
    const repeated = await this.messages.findByExternalId(channel.id, idOnExternalPlatform);
    if (repeated) return toMessageView(repeated);
    if (thread.status === 'CLOSED') throw new ConversationEndedError(toThreadView(thread).endedBy ?? 'agent');
    await this.refuseIfAgentEnded(channel, thread);

    const before = thread.status;
    const status = await this.threads.noteCustomerMessage(thread.id, channel.idlePromptSeconds);
    if (!status) {
      const now = (await this.threads.findById(thread.id))!;
      throw new ConversationEndedError(toThreadView(now).endedBy ?? 'agent');
    }
    const { message, created } = await this.messages.insertOnce({
      channelId: channel.id,
      threadId: thread.id,
      direction: 'INBOUND',
      author: 'CUSTOMER',
      idOnExternalPlatform,
      content: { type: 'TEXT', payload: { text: post.text } },
      status: 'RECEIVED',
    });
    if (!created) return toMessageView(message);
    const queued = await this.queueRelay(message);
    const view = toMessageView(queued ?? message);
    await this.events.publish(thread.contactId, { type: 'message', seq: message.seq, message: view });
    if (before === 'IDLE_PROMPTED') {
      const reopened = await this.threads.findById(thread.id);
      if (reopened)
        await this.events.publish(thread.contactId, { type: 'conversation', thread: toThreadView(reopened) });
    }
    return view;
  }

  /** The customer ends the conversation; its CXone contact is closed by a queued job. */
  async end(channel: ByocChannel, customerId: string): Promise<ThreadView> {
    const latest = await this.threads.latestOfCustomer(channel.id, customerId);
    if (!latest || latest.status === 'CLOSED') return latest ? toThreadView(latest) : this.start(channel, customerId);
    await this.closeConversation(latest.id, 'CUSTOMER_ENDED', true);
    return toThreadView((await this.threads.findById(latest.id))!);
  }

  /** The customer is typing (or stopped): CXone shows it to the agent. Best effort. */
  async customerTyping(channel: ByocChannel, customerId: string, typing: boolean): Promise<void> {
    const thread = await this.threads.latestOfCustomer(channel.id, customerId);
    if (!thread || thread.status === 'CLOSED' || !thread.cxoneContactId) return;
    const account = await this.accounts.resolve(channel.accountId);
    await withDeadline(
      this.cxone.sendTypingIndicator(account, channel.cxoneChannelId, thread.idOnExternalPlatform, typing),
      STATUS_CHECK_TIMEOUT_MS,
      'CXone',
    ).catch((err: unknown) => this.logger.debug(`typing indicator not sent: ${String(err)}`));
  }

  /**
   * An agent's (or bot's) message from CXone, for the customer: stored once and delivered live. A thread Threadline
   * has not seen is an agent starting a conversation with `recipient`. A proactive alert sent on the BYOC channel
   * arrives this way too: it is delivered as the alert message the send recorded, not as a second message.
   */
  async deliverAgentMessage(channel: ByocChannel, agent: AgentMessage): Promise<DeliveredAgentMessage> {
    const thread = await this.threadForAgent(channel, agent);
    const alert = await this.alertDelivery(channel, thread, agent);
    const { message, created } =
      alert ??
      (await this.messages.insertUnlessRepeated(
        {
          channelId: channel.id,
          threadId: thread.id,
          direction: 'OUTBOUND',
          author: 'AGENT',
          authorName: agent.authorName,
          idOnExternalPlatform: agentMessageId(),
          content: agent.content,
          status: 'SENT',
        },
        contentHash(agent),
        this.config.byoc.replyDedupeSeconds,
      ));
    if (created) {
      await this.threads.noteAgentMessage(thread.id);
      await this.events.publish(thread.contactId, {
        type: 'message',
        seq: message.seq,
        message: toMessageView(message),
      });
      await this.events.publish(thread.contactId, { type: 'typing', typing: false });
    }
    return {
      message: {
        idOnExternalPlatform: message.idOnExternalPlatform,
        createdAtWithMilliseconds: message.createdAt.toISOString(),
        url: `${this.config.byoc.publicUrl}/api/v1/threads/${thread.id}`,
      },
      thread: { idOnExternalPlatform: thread.idOnExternalPlatform },
    };
  }

  /** The agent is typing (or stopped), for the customer's widgets. */
  async agentTyping(
    channel: ByocChannel,
    threadExternalId: string,
    typing: boolean,
    agentName: string | null,
  ): Promise<boolean> {
    const thread = await this.threads.findByExternalId(channel.id, threadExternalId);
    if (!thread) return false;
    await this.events.publish(thread.contactId, {
      type: 'typing',
      typing,
      ...(agentName ? { agentName } : {}),
    });
    return true;
  }

  /** The channels that have a thread with this external id (the legacy reply path names no channel). */
  channelsWithThread(idOnExternalPlatform: string): Promise<string[]> {
    return this.threads.channelsWithThread(idOnExternalPlatform);
  }

  /** Which of these customers Threadline can reach on the channel (they have a conversation or a widget session). */
  async reachable(channel: ByocChannel, customerIds: string[]): Promise<Set<string>> {
    const found = await Promise.all(
      customerIds.map(async (id) => ((await this.threads.latestOfCustomer(channel.id, id)) ? id : null)),
    );
    return new Set(found.filter((id): id is string => id !== null));
  }

  /**
   * Ends a conversation (agent, customer, idle): the thread is closed for good, the customer's widgets are told, and
   * (for endings Threadline decided) CXone's contact is closed by a queued job, so the agent sees the end.
   */
  async closeConversation(
    threadId: string,
    reason: 'AGENT_ENDED' | 'CUSTOMER_ENDED' | 'IDLE_TIMEOUT',
    closeInCxone: boolean,
  ): Promise<boolean> {
    const closed = await this.threads.close(threadId, reason);
    if (!closed) return false;
    if (closeInCxone && closed.cxoneContactId) await this.queueCloseInCxone(threadId);
    const now = await this.threads.findById(threadId);
    if (now) await this.events.publish(now.contactId, { type: 'conversation', thread: toThreadView(now) });
    this.logger.log({ threadId, reason }, 'conversation ended');
    return true;
  }

  /** A conversation the idle countdown ended (closed already): its widgets are told, its CXone contact closed. */
  async announceIdleEnd(thread: TimedThread): Promise<void> {
    if (thread.cxoneContactId) await this.queueCloseInCxone(thread.id);
    const now = await this.threads.findById(thread.id);
    if (now) await this.events.publish(thread.contactId, { type: 'conversation', thread: toThreadView(now) });
    this.logger.log({ threadId: thread.id, reason: 'IDLE_TIMEOUT' }, 'conversation ended');
  }

  /** Closes the CXone contact of a conversation Threadline ended (the CloseCxoneContact job). */
  async closeInCxone(threadId: string): Promise<void> {
    const thread = await this.threads.findById(threadId);
    if (!thread?.cxoneContactId) return;
    const channel = await this.channels.cachedInfo(thread.channelId);
    const account = await this.accounts.resolve(channel.accountId);
    await this.cxone.setContactStatus(account, thread.cxoneContactId, 'closed');
  }

  /** Reads the CXone contact of an open conversation and locks it when an agent ended it there. */
  async checkAgentEnded(channel: ByocChannel, thread: Pick<ThreadRow, 'id' | 'cxoneContactId'>): Promise<boolean> {
    if (!thread.cxoneContactId) return false;
    const account = await this.accounts.resolve(channel.accountId);
    const contact = await this.cxone.getContact(account, thread.cxoneContactId);
    await this.threads.markStatusChecked(thread.id);
    if (!ENDED_CONTACT_STATUSES.has(contact.status)) return false;
    return this.closeConversation(thread.id, 'AGENT_ENDED', false);
  }

  private async refuseIfAgentEnded(channel: ByocChannel, thread: ThreadRow): Promise<void> {
    if (!thread.cxoneContactId) return;
    const now = Date.now();
    const last = this.statusReadAt.get(thread.id);
    if (last !== undefined && now - last < STATUS_READ_EVERY_MS) return;
    this.noteStatusRead(thread.id, now);
    if (!(await this.readBudget.take(channel.accountId, 'post', STATUS_SLOT_WAIT_MS))) return;
    try {
      const ended = await withDeadline(this.checkAgentEnded(channel, thread), STATUS_CHECK_TIMEOUT_MS, 'CXone');
      if (ended) throw new ConversationEndedError('agent');
    } catch (err) {
      if (err instanceof ConversationEndedError) throw err;
      // CXone could not say: the post goes ahead (the periodic check and the relay's answer catch an ended contact)
      this.logger.debug(`contact status not read before a post: ${String(err)}`);
    }
  }

  private noteStatusRead(threadId: string, at: number): void {
    if (this.statusReadAt.size >= STATUS_READ_MEMO_MAX) {
      for (const [id, readAt] of this.statusReadAt)
        if (at - readAt >= STATUS_READ_EVERY_MS) this.statusReadAt.delete(id);
      if (this.statusReadAt.size >= STATUS_READ_MEMO_MAX) this.statusReadAt.clear();
    }
    this.statusReadAt.set(threadId, at);
  }

  private async threadForAgent(channel: ByocChannel, agent: AgentMessage): Promise<ThreadRow> {
    const known = await this.threads.findByExternalId(channel.id, agent.threadExternalId);
    if (known) return known;
    if (!agent.recipient) throw new ConversationEndedError('agent');
    const contactId = await this.threads.ensureContact(
      channel.id,
      agent.recipient.idOnExternalPlatform,
      agent.recipient.name,
    );
    const { thread } = await this.threads.openConversation({
      channelId: channel.id,
      contactId,
      idOnExternalPlatform: agent.threadExternalId,
      // a proactive alert's thread whose send is not recorded yet becomes PROACTIVE when it is
      origin: 'AGENT',
    });
    await this.events.publish(contactId, { type: 'conversation', thread: toThreadView(thread) });
    return thread;
  }

  /**
   * A proactive alert's thread (`tl-<recipient>`) gets the alert itself through this callback first: it becomes the
   * alert's message (`tlm-<recipient>`, the id the send records), delivered, instead of a second copy. Null for any
   * later message on the thread.
   */
  private async alertDelivery(
    channel: ByocChannel,
    thread: ThreadRow,
    agent: AgentMessage,
  ): Promise<{ message: MessageRow; created: boolean } | null> {
    const recipientId = PROACTIVE_THREAD.exec(thread.idOnExternalPlatform)?.[1];
    if (!recipientId) return null;
    const alertId = messageExternalId(recipientId);
    const existing = await this.messages.findByExternalId(channel.id, alertId);
    if (existing && existing.status !== 'SENT') return null; // delivered already: this is a later message
    const stored = existing
      ? { message: existing, created: false }
      : await this.messages.insertOnce({
          channelId: channel.id,
          threadId: thread.id,
          direction: 'OUTBOUND',
          author: 'SYSTEM',
          idOnExternalPlatform: alertId,
          content: agent.content,
          status: 'DELIVERED',
        });
    if (stored.created || stored.message.status !== 'SENT') return stored;
    // Recorded by the send (earlier, or in the same instant: it won the insert): delivered now.
    const delivered = await this.messages.transition(stored.message.id, 'DELIVERED');
    return { message: delivered ?? stored.message, created: delivered !== null };
  }

  private async queueCloseInCxone(threadId: string): Promise<void> {
    await this.queues.add(
      JobName.CloseCxoneContact,
      { threadId },
      { jobId: `close-${threadId}`, attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
    );
  }

  private async queueRelay(message: MessageRow): Promise<MessageRow | null> {
    try {
      await withDeadline(
        this.queues.add(JobName.RelayCustomerMessage, { messageId: message.id }, relayJobOptions(message.id)),
        2000,
        'Redis',
      );
    } catch (err) {
      // stored as RECEIVED: the conversations sweeper queues it once Redis answers
      this.logger.warn({ messageId: message.id }, `relay not queued now (${String(err)}); the sweeper will`);
      return null;
    }
    return this.messages.transition(message.id, 'QUEUED');
  }
}

export function relayJobOptions(messageId: string): JobsOptions {
  return { jobId: `relay-${messageId}`, attempts: 10, backoff: { type: 'exponential', delay: 1000 } };
}

function contentHash(agent: AgentMessage): string {
  return createHash('sha256')
    .update(JSON.stringify([agent.threadExternalId, agent.content, agent.authorName]))
    .digest('hex');
}
