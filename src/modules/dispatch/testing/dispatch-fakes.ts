import type { CampaignStatus, RecipientStatus } from '@/infra/prisma/generated/client';
import { RateLimitWaitTooLongError } from '@/infra/rate-limit/rate-limiter';
import { DatabaseNotifications } from '@/infra/prisma/database-notifications';
import { Clock } from '@/infra/time/clock';
import type { CxoneAccountRef } from '@/integrations/cxone/cxone.client';
import { recipientAllowedFrom } from '@/modules/campaigns/campaign.state';
import type { ContactState } from '@/modules/contacts/contacts.service';
import { ContactsService } from '@/modules/contacts/contacts.service';
import { SentAlert, SentRecipient, ThreadsService } from '@/modules/threads/threads.service';
import { AccountRateLimiter } from '../account-limiter';
import { CompletionChecker } from '../completion-checker';
import {
  Attempt,
  ClaimedRow,
  DispatchRepository,
  FinalStatus,
  RecipientRef,
  SendContext,
  SentIds,
} from '../dispatch.repository';
import { ProgressService } from '../progress.service';
import { SendTarget, SendTargets } from '../send-targets';

/**
 * In-memory stand-ins for the edges of the send path (PostgreSQL, Redis, the conversation store), for unit tests of
 * the dispatch services. They keep the same rules as the real ones where a test could notice: only a row's current
 * generation can be changed, and only along the state machine's edges.
 */

/** No notifications (as while the listening connection is down): the status cache reads the repository every time. */
export class NoNotifications extends DatabaseNotifications {
  constructor() {
    super(undefined as never);
  }

  override get isListening(): boolean {
    return false;
  }

  override listen(): void {}
}

export class FakeClock extends Clock {
  constructor(public nowMs = Date.UTC(2026, 11, 1, 12)) {
    super();
  }

  now(): number {
    return this.nowMs;
  }
}

export interface FakeRecipient {
  id: string;
  campaignId: string;
  address: string;
  name: string | null;
  status: RecipientStatus;
  generation: number;
  attempts: number;
  rateLimitedCount: number;
  failureReason: string | null;
  lastError: string | null;
  sent: SentIds | null;
  parameters: Record<string, string> | null;
  customFields: Record<string, string> | null;
  timeZone: string | null;
  notBefore: Date | null;
}

export interface FakeCampaign {
  id: string;
  channelId: string;
  status: CampaignStatus;
  content: unknown;
  customFields: Record<string, string>;
  fallbackTemplate: unknown;
  quietStartMinute: number | null;
  quietEndMinute: number | null;
  timeZone: string | null;
  ignoreQuietHours: boolean;
}

export class InMemoryDispatchRepository extends DispatchRepository {
  readonly recipients = new Map<string, FakeRecipient>();
  readonly campaigns = new Map<string, FakeCampaign>();

  constructor() {
    super(undefined as never);
  }

  addCampaign(campaign: Partial<FakeCampaign> & { id: string; channelId: string }): FakeCampaign {
    const full: FakeCampaign = {
      status: 'RUNNING',
      content: { type: 'TEXT', text: 'Your flight BA123 is cancelled' },
      customFields: {},
      fallbackTemplate: null,
      quietStartMinute: null,
      quietEndMinute: null,
      timeZone: null,
      ignoreQuietHours: false,
      ...campaign,
    };
    this.campaigns.set(full.id, full);
    return full;
  }

  addRecipient(recipient: Partial<FakeRecipient> & { id: string; campaignId: string; address: string }): FakeRecipient {
    const full: FakeRecipient = {
      name: null,
      status: 'QUEUED',
      generation: 1,
      attempts: 0,
      rateLimitedCount: 0,
      failureReason: null,
      lastError: null,
      sent: null,
      parameters: null,
      customFields: null,
      timeZone: null,
      notBefore: null,
      ...recipient,
    };
    this.recipients.set(full.id, full);
    return full;
  }

  /** Claims as the real statement does; the consent read with it is "unknown" (the gate reads FakeContacts). */
  override claimMany(refs: RecipientRef[]): Promise<Array<ClaimedRow | null>> {
    return Promise.resolve(
      refs.map((ref) => {
        const ctx = this.claimOne(ref.recipientId, ref.generation);
        return ctx && { ...ctx, optedOut: false, lastInboundAt: null };
      }),
    );
  }

  private claimOne(recipientId: string, generation: number): SendContext | null {
    const r = this.recipients.get(recipientId);
    const c = r && this.campaigns.get(r.campaignId);
    if (!r || !c || r.generation !== generation || c.status !== 'RUNNING') return null;
    if (!recipientAllowedFrom('SENDING').includes(r.status)) return null;
    r.status = 'SENDING';
    return {
      recipientId: r.id,
      generation: r.generation,
      campaignId: c.id,
      channelId: c.channelId,
      address: r.address,
      name: r.name,
      parameters: r.parameters,
      customFields: r.customFields,
      attempts: r.attempts,
      rateLimitedCount: r.rateLimitedCount,
      content: c.content,
      campaignCustomFields: c.customFields,
      fallbackTemplate: c.fallbackTemplate,
      quietStartMinute: c.quietStartMinute,
      quietEndMinute: c.quietEndMinute,
      ignoreQuietHours: c.ignoreQuietHours,
      timeZone: r.timeZone ?? c.timeZone ?? 'UTC',
    };
  }

  override releaseIfStopped(ref: RecipientRef): Promise<RecipientStatus | null> {
    const r = this.current(ref);
    const c = r && this.campaigns.get(r.campaignId);
    if (!r || !c || !['PAUSED', 'CANCELLED'].includes(c.status) || !['QUEUED', 'SENDING'].includes(r.status))
      return Promise.resolve(null);
    r.status = c.status === 'CANCELLED' ? 'CANCELLED' : 'PENDING';
    return Promise.resolve(r.status);
  }

  override finish(ctx: Attempt, status: FinalStatus, reason: string | null, error: string | null): Promise<boolean> {
    return this.move(ctx, status, (r) => {
      r.failureReason = reason;
      r.lastError = error;
      r.attempts = Math.max(r.attempts, ctx.attempt);
    });
  }

  override release(ref: RecipientRef, to: Extract<RecipientStatus, 'PENDING' | 'CANCELLED'>): Promise<boolean> {
    return this.move(ref, to, () => undefined);
  }

  override retryLater(ctx: Attempt, error: string): Promise<boolean> {
    return this.move(ctx, 'QUEUED', (r) => {
      r.lastError = error;
      r.attempts = ctx.attempt;
    });
  }

  override defer(ref: RecipientRef, until: Date): Promise<boolean> {
    return this.move(ref, 'QUEUED', (r) => {
      r.notBefore = until;
    });
  }

  override unclaim(ref: RecipientRef): Promise<boolean> {
    return this.move(ref, 'QUEUED', () => undefined);
  }

  override noteRateLimited(ref: RecipientRef, error: string): Promise<number> {
    const r = this.current(ref);
    if (!r) return Promise.resolve(0);
    r.rateLimitedCount++;
    r.lastError = error;
    return Promise.resolve(r.rateLimitedCount);
  }

  override campaignStatus(campaignId: string): Promise<CampaignStatus | null> {
    return Promise.resolve(this.campaigns.get(campaignId)?.status ?? null);
  }

  private current(ref: RecipientRef): FakeRecipient | undefined {
    const r = this.recipients.get(ref.recipientId);
    return r && r.generation === ref.generation ? r : undefined;
  }

  /** A claimed (SENDING) row of this generation moves to `to`, if the state machine has that edge. */
  private move(ref: RecipientRef, to: RecipientStatus, change: (r: FakeRecipient) => void): Promise<boolean> {
    const r = this.current(ref);
    if (!r || r.status !== 'SENDING' || !recipientAllowedFrom(to).includes('SENDING')) return Promise.resolve(false);
    r.status = to;
    change(r);
    return Promise.resolve(true);
  }
}

/** The conversation store's side of a sent alert: records the alert, and marks the recipient SENT as the real one does. */
export class RecordingThreads extends ThreadsService {
  readonly alerts: SentAlert[] = [];

  constructor(private readonly recipients: InMemoryDispatchRepository) {
    super(undefined as never, undefined as never, undefined as never, undefined as never);
  }

  override recordSentAlert(alert: SentAlert, recipient: SentRecipient): Promise<boolean> {
    const row = this.recipients.recipients.get(recipient.recipientId);
    if (!row || row.generation !== recipient.generation || !recipient.fromStatuses.includes(row.status))
      return Promise.resolve(false);
    row.status = 'SENT';
    row.attempts = recipient.attempt;
    row.sent = {
      contactId: alert.thread.cxoneContactId,
      threadId: alert.thread.cxoneThreadId,
      messageId: alert.message.cxoneMessageId,
    };
    this.alerts.push(alert);
    return Promise.resolve(true);
  }
}

export class FakeContacts extends ContactsService {
  readonly states = new Map<string, ContactState>();

  constructor() {
    super(undefined as never, undefined as never, undefined as never);
  }

  set(channelId: string, address: string, state: Partial<ContactState>): void {
    this.states.set(`${channelId} ${address}`, { optedOut: false, lastInboundAt: null, ...state });
  }

  override state(channelId: string, address: string): Promise<ContactState> {
    return Promise.resolve(this.states.get(`${channelId} ${address}`) ?? { optedOut: false, lastInboundAt: null });
  }

  /** Consent changes recorded from channels (keywords, CXone), in order. */
  readonly recorded: Array<Parameters<ContactsService['recordFromChannel']>[0]> = [];

  override recordFromChannel(change: Parameters<ContactsService['recordFromChannel']>[0]): Promise<ContactState> {
    this.recorded.push(change);
    const state = { optedOut: change.kind === 'OPT_OUT', lastInboundAt: null };
    this.states.set(`${change.channelId} ${change.address}`, state);
    return Promise.resolve(state);
  }
}

export class FakeProgress extends ProgressService {
  readonly sent: string[] = [];

  constructor() {
    super(undefined as never, undefined as never);
  }

  override countSent(campaignId: string): void {
    this.sent.push(campaignId);
  }
}

export class RecordingCompletion extends CompletionChecker {
  readonly checked: string[] = [];

  constructor() {
    super(undefined as never);
  }

  override check(campaignId: string): void {
    this.checked.push(campaignId);
  }
}

export class FixedTargets extends SendTargets {
  constructor(private readonly target: SendTarget) {
    super(undefined as never, undefined as never);
  }

  override of(): Promise<SendTarget> {
    return Promise.resolve(this.target);
  }
}

/**
 * What a reserved rate slot turns out to be: started on, voided by a 429 block (reserve again), too far away, aborted
 * by shutdown, or started on after something happened while the caller waited for it.
 */
export type ScriptedSlot = 'start' | 'voided' | { tooLongMs: number } | { abort: true } | { meanwhile: () => void };

/**
 * The account's rate limiter, scripted: each reserved slot plays the next step of `slots` (default: start at once),
 * running the caller's last check before it, as the real limiter does before every slot.
 */
export class ScriptedLimiter extends AccountRateLimiter {
  readonly slots: ScriptedSlot[] = [];
  readonly pauses: Array<{ accountId: string; ms: number }> = [];
  checks = 0;

  constructor() {
    super(
      undefined as never,
      undefined as never,
      { shuttingDown$: { subscribe: () => undefined } } as never,
      undefined as never,
    );
  }

  override async acquire(_account: CxoneAccountRef, stillWanted: () => Promise<boolean>): Promise<boolean> {
    for (;;) {
      const step = this.slots.shift() ?? 'start';
      if (typeof step === 'object' && 'tooLongMs' in step) throw new RateLimitWaitTooLongError(step.tooLongMs);
      if (typeof step === 'object' && 'abort' in step)
        throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (typeof step === 'object') step.meanwhile();
      this.checks++;
      if (!(await stillWanted())) return false;
      if (step !== 'voided') return true;
    }
  }

  override pause(accountId: string, ms: number): Promise<void> {
    this.pauses.push({ accountId, ms });
    return Promise.resolve();
  }
}
