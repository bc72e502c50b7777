import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { JobName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import type { DfoMessageContent } from '@/integrations/cxone/dfo.types';
import { ChannelsService, InboundChannel } from '@/modules/channels/channels.service';
import { keywordOf } from '@/modules/channels/keywords';
import { normalizeAddress } from '@/modules/contacts/address';
import { CONSENT_CHANGES_METRIC, ContactsService } from '@/modules/contacts/contacts.service';
import { MessagesService } from '@/modules/messages/messages.service';
import { ThreadRow, ThreadsService } from '@/modules/threads/threads.service';

/** A customer's message as CXone reports it (a pushed event, or read back by reconciliation). */
export interface CustomerMessage {
  accountId: string;
  cxoneChannelId: string;
  threadExternalId: string;
  /** The CXone contact (case) number and thread id it landed in, when known. */
  contactNumber: string | null;
  cxoneThreadId: string | null;
  /** The customer as the channel knows them (E.164 phone for SMS/WhatsApp). */
  from: string;
  cxoneMessageId: string;
  idOnExternalPlatform: string | null;
  content: DfoMessageContent;
  createdAt: Date;
  via: 'webhook' | 'reconciliation';
}

export type InboundOutcome = 'stored' | 'repeat' | 'unknown-channel' | 'chat';

/**
 * What Threadline does with a customer's message from CXone, wherever it learnt of it: stored once (a repeat, by
 * webhook or reconciliation, changes nothing), the thread marked answered (the alert's campaign counts a reply), the
 * WhatsApp window opened, and a keyword acted on: STOP opts the customer out at once (the next send's gate reads it),
 * START opts them back in, HELP gets the channel's answer in the same thread.
 */
@Injectable()
export class InboundService {
  private readonly logger = new Logger(InboundService.name);
  private readonly replies: Counter<'channel' | 'kind'>;
  private readonly consentChanges: Counter<'channel' | 'kind' | 'source'>;
  private readonly learnt: Counter<'via'>;

  constructor(
    private readonly channels: ChannelsService,
    private readonly threads: ThreadsService,
    private readonly messages: MessagesService,
    private readonly contacts: ContactsService,
    private readonly queues: QueueService,
    metrics: MetricsService,
  ) {
    this.replies = metrics.counter({
      name: 'threadline_customer_messages_total',
      help: 'Customer messages on SMS/WhatsApp threads, by kind (first_reply: the first on a thread; reply: later ones)',
      labelNames: ['channel', 'kind'],
    });
    this.learnt = metrics.counter({
      name: 'threadline_customer_messages_learnt_total',
      help: 'Customer messages stored, by the path that brought them first (webhook, reconciliation)',
      labelNames: ['via'],
    });
    this.consentChanges = metrics.counter({
      ...CONSENT_CHANGES_METRIC,
      labelNames: [...CONSENT_CHANGES_METRIC.labelNames],
    });
  }

  async customerMessage(m: CustomerMessage): Promise<InboundOutcome> {
    const channel = await this.channels.inboundChannel(m.accountId, m.cxoneChannelId);
    if (!channel) return 'unknown-channel';
    // A BYOC chat's customer messages are Threadline's own (relayed from the widget): nothing to learn from them.
    if (channel.kind === 'BYOC_CHAT') return 'chat';
    const externalId = m.idOnExternalPlatform ?? `cx-${m.cxoneMessageId}`;
    if (await this.messages.findByExternalId(channel.id, externalId)) return 'repeat';

    const address = addressOf(channel, m.from);
    const thread = await this.threadOf(channel, m, address);
    const { created } = await this.messages.insertOnce({
      channelId: channel.id,
      threadId: thread.id,
      direction: 'INBOUND',
      author: 'CUSTOMER',
      idOnExternalPlatform: externalId,
      cxoneMessageId: m.cxoneMessageId,
      content: m.content,
      status: 'RECEIVED',
      createdAt: m.createdAt,
    });
    if (!created) return 'repeat';
    this.learnt.inc({ via: m.via });
    if (m.contactNumber || m.cxoneThreadId) await this.threads.setCxoneIds(thread.id, m.contactNumber, m.cxoneThreadId);
    await this.contacts.noteInbound(channel.id, address, m.createdAt);
    const reply = await this.threads.noteReply(thread.id, m.createdAt);
    this.replies.inc({ channel: channel.id, kind: reply?.firstReply ? 'first_reply' : 'reply' });
    await this.actOnKeyword(channel, thread, address, externalId, m);
    this.logger.log(
      { threadId: thread.id, channelId: channel.id, via: m.via, firstReply: reply?.firstReply ?? false },
      'customer message recorded',
    );
    return 'stored';
  }

  private async threadOf(channel: InboundChannel, m: CustomerMessage, address: string): Promise<ThreadRow> {
    const known = await this.threads.findByExternalId(channel.id, m.threadExternalId);
    if (known) return known;
    // The customer wrote first (or on a thread Threadline did not start): a conversation of its own.
    const contactId = await this.threads.ensureContact(channel.id, address, null);
    const { thread } = await this.threads.openConversation({
      channelId: channel.id,
      contactId,
      idOnExternalPlatform: m.threadExternalId,
      origin: 'INBOUND',
    });
    return thread;
  }

  private async actOnKeyword(
    channel: InboundChannel,
    thread: ThreadRow,
    address: string,
    externalId: string,
    m: CustomerMessage,
  ): Promise<void> {
    const text = textOf(m.content);
    const keyword = keywordOf(text, channel);
    if (keyword === 'opt_out' || keyword === 'opt_in') {
      const kind = keyword === 'opt_out' ? 'OPT_OUT' : 'OPT_IN';
      // "yes" is also an answer to an alert: it opts in only someone who had opted out
      if (kind === 'OPT_IN' && !(await this.contacts.state(channel.id, address)).optedOut) return;
      await this.contacts.recordFromChannel({
        channelId: channel.id,
        address,
        kind,
        source: 'KEYWORD',
        externalRef: externalId,
        detail: `"${text.trim().slice(0, 40)}" on thread ${thread.id}`,
        occurredAt: m.createdAt,
      });
      if (kind === 'OPT_OUT') await this.threads.markOptedOut(thread.id, m.createdAt);
      this.consentChanges.inc({ channel: channel.id, kind: kind.toLowerCase(), source: 'keyword' });
      return;
    }
    if (keyword === 'help' && channel.helpReply) {
      const stored = await this.messages.findByExternalId(channel.id, externalId);
      if (stored)
        await this.queues.add(JobName.SendHelpReply, { messageId: stored.id }, helpReplyJobOptions(stored.id));
    }
  }
}

export function helpReplyJobOptions(messageId: string) {
  return { jobId: `help-${messageId}`, attempts: 8, backoff: { type: 'exponential' as const, delay: 1000 } };
}

function textOf(content: DfoMessageContent): string {
  const payload = content.payload as { text?: unknown } | undefined;
  return content.type === 'TEXT' && typeof payload?.text === 'string' ? payload.text : '';
}

/** The customer's address as Threadline keys contacts (E.164 for phones), or as CXone gave it when it is not one. */
function addressOf(channel: InboundChannel, from: string): string {
  const normalized = normalizeAddress(channel.kind, from);
  return normalized.ok ? normalized.address : from;
}
