import type { AppConfig } from '@/config';
import type { LifecycleService } from '@/infra/http/lifecycle.service';
import { MetricsService } from '@/infra/metrics/metrics.service';
import type { ThreadCloseReason, ThreadStatus } from '@/infra/prisma/generated/client';
import { CxoneRateLimitedError, CxoneRejectedError, CxoneUnavailableError } from '@/integrations/cxone/cxone.errors';
import { InMemoryCxoneClient } from '@/integrations/cxone/testing/in-memory-cxone.client';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { ConversationEvent, ConversationEvents } from '@/modules/conversations/conversation-events';
import { FakeClock } from '@/modules/dispatch/testing/dispatch-fakes';
import { AutoCloseClaim, AutoCloseFinish, ThreadRow, ThreadsService } from '@/modules/threads/threads.service';
import { AutoCloser } from './auto-closer';
import { ContactUpdateBudget } from './contact-update-budget';

interface FakeThread {
  id: string;
  status: ThreadStatus;
  closeReason: ThreadCloseReason | null;
  autoCloseAt: number | null;
  cxoneContactId: string | null;
  closedAt: number | null;
}

/** The auto-close's queries over an in-memory thread table, with the SQL's conditions. */
class InMemoryThreads extends ThreadsService {
  readonly rows = new Map<string, FakeThread>();

  constructor() {
    super(undefined as never, undefined as never, undefined as never, undefined as never);
  }

  add(row: Partial<FakeThread> & { id: string }): FakeThread {
    const thread: FakeThread = {
      status: 'AWAITING_REPLY',
      closeReason: null,
      autoCloseAt: null,
      cxoneContactId: null,
      closedAt: null,
      ...row,
    };
    this.rows.set(thread.id, thread);
    return thread;
  }

  /** What a customer's reply does to the thread (noteReply). */
  reply(id: string): void {
    const t = this.rows.get(id)!;
    if (t.status === 'AWAITING_REPLY') t.status = 'OPEN';
    if (t.status !== 'CLOSED') t.closeReason = null;
    t.autoCloseAt = null;
  }

  private closing(id: string): FakeThread | undefined {
    const t = this.rows.get(id);
    return t && t.status === 'AWAITING_REPLY' && t.closeReason === 'UNANSWERED' ? t : undefined;
  }

  override claimAutoClose(now: Date, leaseUntil: Date, limit: number): Promise<AutoCloseClaim[]> {
    const due = [...this.rows.values()]
      .filter(
        (t) =>
          t.status === 'AWAITING_REPLY' &&
          t.autoCloseAt !== null &&
          t.autoCloseAt <= now.getTime() &&
          t.cxoneContactId !== null,
      )
      .sort((a, b) => a.autoCloseAt! - b.autoCloseAt!)
      .slice(0, limit);
    return Promise.resolve(
      due.map((t) => {
        t.closeReason = 'UNANSWERED';
        t.autoCloseAt = leaseUntil.getTime();
        return {
          id: t.id,
          channelId: 'ch-1',
          campaignId: 'camp-1',
          cxoneContactId: t.cxoneContactId!,
          claimedUntil: leaseUntil,
        };
      }),
    );
  }

  override findById(id: string): Promise<ThreadRow | null> {
    const t = this.rows.get(id);
    return Promise.resolve(
      t
        ? ({
            id,
            contactId: `contact-${id}`,
            status: t.status,
            closeReason: t.closeReason,
            idleEndAt: null,
          } as ThreadRow)
        : null,
    );
  }

  override holdAutoClose(claim: Pick<AutoCloseClaim, 'id' | 'claimedUntil'>, leaseUntil: Date): Promise<boolean> {
    const t = this.closing(claim.id);
    if (!t || t.autoCloseAt !== claim.claimedUntil.getTime()) return Promise.resolve(false);
    t.autoCloseAt = leaseUntil.getTime();
    return Promise.resolve(true);
  }

  override finishAutoClose(threadId: string, at: Date): Promise<AutoCloseFinish> {
    const t = this.closing(threadId);
    if (t) {
      Object.assign(t, { status: 'CLOSED', closedAt: at.getTime(), autoCloseAt: null });
      return Promise.resolve('closed');
    }
    const now = this.rows.get(threadId)!;
    return Promise.resolve(now.status === 'CLOSED' && now.closeReason === 'UNANSWERED' ? 'already-closed' : 'answered');
  }

  override deferAutoClose(threadId: string, until: Date): Promise<void> {
    const t = this.closing(threadId);
    if (t) t.autoCloseAt = until.getTime();
    return Promise.resolve();
  }

  override abandonAutoClose(threadId: string): Promise<void> {
    const t = this.closing(threadId);
    if (t) Object.assign(t, { autoCloseAt: null, closeReason: null });
    return Promise.resolve();
  }
}

/** Update slots as the test scripts them: granted unless `spent`; `meanwhile` runs while the caller "waits". */
class ScriptedBudget extends ContactUpdateBudget {
  spent = false;
  meanwhile: (() => void) | null = null;
  readonly pauses: Array<{ accountId: string; ms: number }> = [];

  constructor() {
    super(undefined as never);
  }

  override take(): Promise<boolean> {
    this.meanwhile?.();
    this.meanwhile = null;
    return Promise.resolve(!this.spent);
  }

  override pause(accountId: string, ms: number): Promise<void> {
    this.pauses.push({ accountId, ms });
    return Promise.resolve();
  }
}

const account = { id: 'acc-1', settings: {} as never };

type ChannelKind = 'SMS' | 'WHATSAPP' | 'BYOC_CHAT';

class FixedChannels extends ChannelsService {
  constructor(private readonly kind: ChannelKind) {
    super(undefined as never, undefined as never, undefined as never, undefined as never);
  }

  override cachedInfo() {
    return Promise.resolve({ id: 'ch-1', accountId: 'acc-1', cxoneChannelId: 'ch', kind: this.kind, isActive: true });
  }
}

class RecordingEvents extends ConversationEvents {
  readonly published: Array<{ contactId: string; event: ConversationEvent }> = [];

  constructor() {
    super(undefined as never);
  }

  override publish(contactId: string, event: ConversationEvent): Promise<void> {
    this.published.push({ contactId, event });
    return Promise.resolve();
  }
}

class FixedAccounts extends AccountsService {
  constructor() {
    super(undefined as never, undefined as never, undefined as never);
  }

  override resolve() {
    return Promise.resolve(account);
  }
}

/**
 * The auto-close's decisions against in-memory edges (the thread table's claim queries, the CXone fake, the update
 * budget) and a clock the test moves: which CXone contacts get resolved, what the threads end up as, and when a thread
 * is due again after CXone said no.
 */
describe('AutoCloser', () => {
  let threads: InMemoryThreads;
  let cxone: InMemoryCxoneClient;
  let budget: ScriptedBudget;
  let clock: FakeClock;
  let closer: AutoCloser;
  let events: RecordingEvents;
  const t0 = Date.UTC(2026, 11, 1, 12);

  const build = (contactStatus: 'resolved' | 'closed' = 'resolved', kind: ChannelKind = 'SMS'): AutoCloser =>
    new AutoCloser(
      threads,
      new FixedChannels(kind),
      new FixedAccounts(),
      cxone,
      budget,
      { autoClose: { intervalMs: 30_000, contactStatus } } as AppConfig,
      clock,
      { isDraining: false } as LifecycleService,
      events,
      new MetricsService(),
    );

  /** A contact CXone holds, open, and the alert's thread due at `dueAt`. */
  const alert = (id: string, dueAt: number | null, contact: string | null = `c-${id}`): FakeThread => {
    if (contact) {
      cxone.contacts.set(contact, {
        id: contact,
        channelId: 'sms',
        threadId: `th-${id}`,
        threadIdOnExternalPlatform: `tl-${id}`,
        status: 'new',
        direction: 'outbound',
        createdAt: new Date(0).toISOString(),
        customFields: [],
      });
    }
    return threads.add({ id, autoCloseAt: dueAt, cxoneContactId: contact });
  };
  const state = (id: string) => {
    const t = threads.rows.get(id)!;
    return { status: t.status, closeReason: t.closeReason, autoCloseAt: t.autoCloseAt, closedAt: t.closedAt };
  };
  const statusCalls = () => cxone.callsOf('setContactStatus').map((c) => c.args);

  beforeEach(() => {
    threads = new InMemoryThreads();
    cxone = new InMemoryCxoneClient();
    budget = new ScriptedBudget();
    clock = new FakeClock(t0);
    events = new RecordingEvents();
    closer = build();
  });

  it('resolves the contacts of due unanswered threads and closes them UNANSWERED; others are left alone', async () => {
    alert('due', t0 - 1);
    alert('later', t0 + 60_000);
    alert('never', null);
    alert('answered', t0 - 1).status = 'OPEN';
    alert('no-contact', t0 - 1, null);

    expect(await closer.run()).toEqual({ closed: 1, answered: 0, deferred: 0, refused: 0 });
    expect(statusCalls()).toEqual([['c-due', 'resolved']]);
    expect(cxone.contacts.get('c-due')!.status).toBe('resolved');
    expect(state('due')).toEqual({ status: 'CLOSED', closeReason: 'UNANSWERED', autoCloseAt: null, closedAt: t0 });
    for (const id of ['later', 'never', 'no-contact'])
      expect([id, state(id).status, state(id).closeReason]).toEqual([id, 'AWAITING_REPLY', null]);
    expect(state('answered').status).toBe('OPEN');
  });

  it('uses the configured contact status', async () => {
    closer = build('closed');
    alert('due', t0);
    await closer.run();
    expect(statusCalls()).toEqual([['c-due', 'closed']]);
  });

  it('tells the open widgets of a chat alert that its conversation ended, and nobody for SMS', async () => {
    alert('sms', t0 - 1);
    await closer.run();
    expect(events.published).toEqual([]);

    closer = build('resolved', 'BYOC_CHAT');
    alert('chat', t0 - 1);
    await closer.run();
    expect(events.published).toEqual([
      {
        contactId: 'contact-chat',
        event: {
          type: 'conversation',
          thread: { id: 'chat', status: 'ended', endedBy: 'idle', idleEndsAt: null, canWrite: false },
        },
      },
    ]);
  });

  it('leaves the contact open when the customer answers while the close waits for its slot', async () => {
    alert('racing', t0 - 1);
    budget.meanwhile = () => threads.reply('racing');

    expect(await closer.run()).toEqual({ closed: 0, answered: 1, deferred: 0, refused: 0 });
    expect(statusCalls()).toEqual([]);
    expect(state('racing')).toEqual({ status: 'OPEN', closeReason: null, autoCloseAt: null, closedAt: null });
  });

  it('keeps a thread answered while CXone resolved its contact open (answered, not auto-closed)', async () => {
    alert('late', t0 - 1);
    const put = cxone.setContactStatus.bind(cxone);
    jest.spyOn(cxone, 'setContactStatus').mockImplementation(async (...args) => {
      await put(...args);
      threads.reply('late');
    });

    expect(await closer.run()).toEqual({ closed: 0, answered: 1, deferred: 0, refused: 0 });
    expect(state('late').status).toBe('OPEN');
  });

  it('on 429 pauses the account for Retry-After and tries again once it has passed', async () => {
    alert('a', t0 - 2);
    alert('b', t0 - 1);
    cxone.failNext('setContactStatus', new CxoneRateLimitedError('contactStatus', 7_000));

    expect(await closer.run()).toEqual({ closed: 0, answered: 0, deferred: 2, refused: 0 });
    expect(statusCalls()).toEqual([['c-a', 'resolved']]); // b not tried while the account is held back
    expect(budget.pauses).toEqual([{ accountId: 'acc-1', ms: 7_000 }]);
    expect([state('a').autoCloseAt, state('b').autoCloseAt]).toEqual([t0 + 7_000, t0 + 7_000]);

    clock.nowMs = t0 + 6_999;
    expect((await closer.run()).closed).toBe(0);
    clock.nowMs = t0 + 7_000;
    expect(await closer.run()).toEqual({ closed: 2, answered: 0, deferred: 0, refused: 0 });
    expect([state('a').status, state('b').status]).toEqual(['CLOSED', 'CLOSED']);
  });

  it('on 5xx leaves the thread due again after a back-off, never losing it', async () => {
    alert('a', t0 - 1);
    cxone.failNext('setContactStatus', new CxoneUnavailableError('contactStatus', 'server', 503, false, 'HTTP 503'));

    expect((await closer.run()).deferred).toBe(1);
    expect(state('a')).toEqual({
      status: 'AWAITING_REPLY',
      closeReason: 'UNANSWERED',
      autoCloseAt: t0 + 60_000,
      closedAt: null,
    });
    clock.nowMs = t0 + 60_000;
    expect((await closer.run()).closed).toBe(1);
    expect(state('a').status).toBe('CLOSED');
  });

  it('closes the thread when CXone no longer has the contact (404)', async () => {
    alert('gone', t0 - 1);
    cxone.failNext('setContactStatus', new CxoneRejectedError('contactStatus', 404, [{ message: 'not found' }]));

    expect((await closer.run()).closed).toBe(1);
    expect([state('gone').status, state('gone').closeReason]).toEqual(['CLOSED', 'UNANSWERED']);
  });

  it('on another refusal closes a contact that ended already, and gives up on one that is still open', async () => {
    alert('ended', t0 - 2);
    cxone.contacts.get('c-ended')!.status = 'closed';
    alert('open', t0 - 1);
    const refusal = () => new CxoneRejectedError('contactStatus', 400, [{ message: 'invalid transition' }]);
    cxone.failNext('setContactStatus', refusal(), refusal());

    expect(await closer.run()).toEqual({ closed: 1, answered: 0, deferred: 0, refused: 1 });
    expect(state('ended').status).toBe('CLOSED');
    expect(state('open')).toEqual({ status: 'AWAITING_REPLY', closeReason: null, autoCloseAt: null, closedAt: null });
    expect(await closer.run()).toEqual({ closed: 0, answered: 0, deferred: 0, refused: 0 });
  });

  it('when the update share is spent, calls CXone for nothing and leaves the threads due shortly', async () => {
    alert('a', t0 - 1);
    budget.spent = true;

    expect((await closer.run()).deferred).toBe(1);
    expect(statusCalls()).toEqual([]);
    expect(state('a').autoCloseAt).toBe(t0 + 5_000);
  });

  it('stops a run after a batch in which CXone took nothing, leaving the other due threads as they were', async () => {
    for (let i = 0; i < 25; i++) alert(`t${i}`, t0 - 100 + i);
    budget.spent = true;

    expect(await closer.run()).toEqual({ closed: 0, answered: 0, deferred: 10, refused: 0 });
    const untouched = [...threads.rows.values()].filter((t) => t.closeReason === null && t.autoCloseAt! < t0);
    expect(untouched.map((t) => t.id)).toEqual(Array.from({ length: 15 }, (_, i) => `t${i + 10}`));
  });

  it('a claim whose process died is due again when its lease ends, and only then', async () => {
    alert('a', t0 - 1);
    const [claim] = await threads.claimAutoClose(new Date(t0), new Date(t0 + 60_000), 10);
    expect(claim.id).toBe('a');

    expect((await closer.run()).closed).toBe(0); // held by the dead claim
    clock.nowMs = t0 + 60_000;
    expect((await closer.run()).closed).toBe(1);
    expect(statusCalls()).toEqual([['c-a', 'resolved']]);
  });
});
