import { Injectable } from '@nestjs/common';
import { AppConfig } from '@/config';
import { GroupCommit, groupCommitMetrics, SEND_PATH_GROUP_COMMIT } from '@/infra/batching/group-commit';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { NotFoundError } from '@/infra/errors/domain-error';
import { keysetPage } from '@/infra/http/pagination';
import { MessagesService } from '@/modules/messages/messages.service';
import { ListThreadsQuery, ThreadPage, ThreadResponse, ThreadSummary } from './dto/thread.dto';
import type { ThreadCloseReason } from '@/infra/prisma/generated/client';
import {
  AutoCloseClaim,
  AutoCloseFinish,
  CampaignOutcomes,
  RepliedThread,
  PolledThread,
  ReconcileThread,
  SentAlert,
  SentRecipient,
  ThreadRow,
  ThreadsRepository,
  TimedThread,
} from './threads.repository';

export type {
  AutoCloseClaim,
  AutoCloseFinish,
  CampaignOutcomes,
  PolledThread,
  ReconcileThread,
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
  /** Concurrent sends' SENT records, group-committed: one statement for all that finish within a moment. */
  private readonly sentAlerts: GroupCommit<{ alert: SentAlert; recipient: SentRecipient }, boolean>;

  constructor(
    private readonly repository: ThreadsRepository,
    private readonly messages: MessagesService,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.sentAlerts = new GroupCommit({
      ...(metrics ? { onBatch: groupCommitMetrics(metrics, 'sent_alerts') } : {}),
      many: (sent) => this.repository.recordSentAlerts(sent, this.config.reconcile.minDelayMs),
      single: async (one) => (await this.repository.recordSentAlerts([one], this.config.reconcile.minDelayMs))[0],
      ...SEND_PATH_GROUP_COMMIT,
    });
  }

  /**
   * A proactive alert went out: the recipient is SENT and its thread awaits the customer's reply, with the alert as
   * the first message (one statement, shared by the alerts recorded at the same moment). False when the recipient was
   * no longer this send's.
   */
  recordSentAlert(alert: SentAlert, recipient: SentRecipient): Promise<boolean> {
    return this.sentAlerts.write({ alert, recipient });
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

  // ── reconciliation (the reconcile module orchestrates these) ──

  accountsDueForReconcile(now: Date): Promise<string[]> {
    return this.repository.accountsDueForReconcile(now);
  }

  claimForReconcile(accountId: string, now: Date, leaseUntil: Date, limit: number): Promise<ReconcileThread[]> {
    return this.repository.claimForReconcile(accountId, now, leaseUntil, limit);
  }

  scheduleReconcile(threadId: string, at: Date | null, lastSeenMessageAt: Date | null): Promise<void> {
    return this.repository.scheduleReconcile(threadId, at, lastSeenMessageAt);
  }

  // ── auto-close of unanswered alerts (the repository describes the claim) ──

  claimAutoClose(now: Date, leaseUntil: Date, limit: number): Promise<AutoCloseClaim[]> {
    return this.repository.claimAutoClose(now, leaseUntil, limit);
  }

  holdAutoClose(claim: Pick<AutoCloseClaim, 'id' | 'claimedUntil'>, leaseUntil: Date): Promise<boolean> {
    return this.repository.holdAutoClose(claim, leaseUntil);
  }

  finishAutoClose(threadId: string, at: Date): Promise<AutoCloseFinish> {
    return this.repository.finishAutoClose(threadId, at);
  }

  deferAutoClose(threadId: string, until: Date): Promise<void> {
    return this.repository.deferAutoClose(threadId, until);
  }

  abandonAutoClose(threadId: string): Promise<void> {
    return this.repository.abandonAutoClose(threadId);
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
    // an alert being auto-closed is marked UNANSWERED before it is CLOSED: the reason shows once it is
    closeReason: t.status === 'CLOSED' ? t.closeReason : null,
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
