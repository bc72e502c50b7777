import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@/infra/errors/domain-error';
import { keysetPage } from '@/infra/http/pagination';
import { MessagesService } from '@/modules/messages/messages.service';
import { ListThreadsQuery, ThreadPage, ThreadResponse, ThreadSummary } from './dto/thread.dto';
import type { ThreadCloseReason } from '@/infra/prisma/generated/client';
import {
  CampaignOutcomes,
  RepliedThread,
  PolledThread,
  SentAlert,
  SentRecipient,
  ThreadRow,
  ThreadsRepository,
  TimedThread,
} from './threads.repository';

export type {
  CampaignOutcomes,
  PolledThread,
  RepliedThread,
  SentAlert,
  SentRecipient,
  ThreadRow,
  TimedThread,
} from './threads.repository';

export class ThreadNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no thread ${id}`);
  }
}

/**
 * Conversations: one thread per CXone thread, whichever direction opened it (a proactive alert, a BYOC chat), so a
 * reply, a STOP or an agent's answer lands in one place. Status moves along thread.state.ts.
 */
@Injectable()
export class ThreadsService {
  constructor(
    private readonly repository: ThreadsRepository,
    private readonly messages: MessagesService,
  ) {}

  /**
   * A proactive alert went out: the recipient is SENT and its thread awaits the customer's reply, with the alert as
   * the first message (one statement). False when the recipient was no longer this send's.
   */
  recordSentAlert(alert: SentAlert, recipient: SentRecipient): Promise<boolean> {
    return this.repository.recordSentAlert(alert, recipient);
  }

  // ── conversations (the chat flow orchestrates these) ──

  findByExternalId(channelId: string, idOnExternalPlatform: string): Promise<ThreadRow | null> {
    return this.repository.findByExternalId(channelId, idOnExternalPlatform);
  }

  findById(id: string): Promise<ThreadRow | null> {
    return this.repository.findById(id);
  }

  latestOfCustomer(channelId: string, address: string): Promise<ThreadRow | null> {
    return this.repository.latestOfCustomer(channelId, address);
  }

  ensureContact(channelId: string, address: string, displayName: string | null): Promise<string> {
    return this.repository.ensureContact(channelId, address, displayName);
  }

  openConversation(conversation: Parameters<ThreadsRepository['openConversation']>[0]) {
    return this.repository.openConversation(conversation);
  }

  noteCustomerMessage(threadId: string, idlePromptSeconds: number | null) {
    return this.repository.noteCustomerMessage(threadId, idlePromptSeconds);
  }

  repliedOfCampaign(campaignId: string, limit: number, after?: string): Promise<RepliedThread[]> {
    return this.repository.repliedOfCampaign(campaignId, limit, after);
  }

  outcomesOf(campaignIds: string[]): Promise<Map<string, CampaignOutcomes>> {
    return this.repository.outcomesOf(campaignIds);
  }

  noteReply(threadId: string, at: Date) {
    return this.repository.noteReply(threadId, at);
  }

  markOptedOut(threadId: string, at: Date): Promise<void> {
    return this.repository.markOptedOut(threadId, at);
  }

  noteAgentMessage(threadId: string): Promise<void> {
    return this.repository.noteAgentMessage(threadId);
  }

  channelsWithThread(idOnExternalPlatform: string): Promise<string[]> {
    return this.repository.channelsWithThread(idOnExternalPlatform);
  }

  markStatusChecked(threadId: string): Promise<void> {
    return this.repository.markStatusChecked(threadId);
  }

  setCxoneIds(threadId: string, cxoneContactId: string | null, cxoneThreadId: string | null): Promise<void> {
    return this.repository.setCxoneIds(threadId, cxoneContactId, cxoneThreadId);
  }

  close(threadId: string, reason: ThreadCloseReason): Promise<TimedThread | null> {
    return this.repository.close(threadId, reason);
  }

  promptIdle(limit: number): Promise<TimedThread[]> {
    return this.repository.promptIdle(limit);
  }

  endIdle(limit: number): Promise<TimedThread[]> {
    return this.repository.endIdle(limit);
  }

  dueForStatusCheck(everyMs: number, limit: number): Promise<PolledThread[]> {
    return this.repository.dueForStatusCheck(everyMs, limit);
  }

  /** The conversation: the thread, its customer and its messages in order. */
  async get(id: string): Promise<ThreadResponse> {
    const thread = await this.repository.findById(id);
    if (!thread) throw new ThreadNotFoundError(id);
    return { ...toSummary(thread), messages: await this.messages.history(id) };
  }

  async list(query: ListThreadsQuery): Promise<ThreadPage> {
    const limit = query.limit ?? 100;
    const rows = await this.repository.list({
      limit: limit + 1,
      ...(query.campaignId ? { campaignId: query.campaignId } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.idOnExternalPlatform ? { idOnExternalPlatform: query.idOnExternalPlatform } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
    });
    const page = keysetPage(rows, limit, (t) => t.id);
    return { data: page.rows.map(toSummary), nextCursor: page.nextCursor };
  }
}

function toSummary(t: ThreadRow): ThreadSummary {
  return {
    id: t.id,
    channelId: t.channelId,
    idOnExternalPlatform: t.idOnExternalPlatform,
    origin: t.origin,
    status: t.status,
    closeReason: t.closeReason,
    cxoneContactId: t.cxoneContactId,
    cxoneThreadId: t.cxoneThreadId,
    campaignId: t.campaignId,
    contact: { address: t.address, displayName: t.displayName },
    lastCustomerAt: t.lastCustomerAt?.toISOString() ?? null,
    lastActivityAt: t.lastActivityAt.toISOString(),
    closedAt: t.closedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}
