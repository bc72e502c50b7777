import type { AppConfig } from '@/config';
import { MetricsService } from '@/infra/metrics/metrics.service';
import type { CxoneAccountRef } from '@/integrations/cxone/cxone.client';
import { CxoneRateLimitedError, CxoneUnavailableError } from '@/integrations/cxone/cxone.errors';
import { InMemoryCxoneClient } from '@/integrations/cxone/testing/in-memory-cxone.client';
import type { AccountsService } from '@/modules/accounts/accounts.service';
import type { ContactReadBudget, ContactReadUse } from '@/modules/conversations/contact-read-budget';
import { FakeClock } from '@/modules/dispatch/testing/dispatch-fakes';
import type { CustomerMessage, InboundOutcome, InboundService } from '@/modules/replies/inbound.service';
import { ReconcileThread, ThreadsService } from '@/modules/threads/threads.service';
import { RATE_LIMITED_BACKOFF_MS, readConcurrency, RECONCILE_LEASE_MS, ReconcileService } from './reconcile.service';

const ACCOUNT = 'acc-1';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The thread store's reconciliation side, in memory: due threads, claims, and what each thread was scheduled to. */
class FakeThreads extends ThreadsService {
  readonly rows = new Map<string, ReconcileThread & { reconcileAt: Date | null }>();
  readonly claims: Array<{ limit: number; leaseUntil: Date }> = [];
  readonly cxoneIds = new Map<string, [string | null, string | null]>();

  constructor() {
    super(undefined as never, undefined as never, undefined as never, undefined as never);
  }

  add(thread: Partial<ReconcileThread> & { id: string; dueAt: Date }): void {
    this.rows.set(thread.id, {
      channelId: 'ch-1',
      accountId: ACCOUNT,
      cxoneChannelId: 'sms_1',
      idOnExternalPlatform: `tl-${thread.id}`,
      cxoneContactId: null,
      address: '+12025550143',
      createdAt: thread.dueAt,
      lastCustomerAt: null,
      lastSeenMessageAt: null,
      ...thread,
      reconcileAt: thread.dueAt,
    });
  }

  override accountsDueForReconcile(now: Date): Promise<string[]> {
    const due = [...this.rows.values()].filter((r) => r.reconcileAt && r.reconcileAt <= now);
    return Promise.resolve([...new Set(due.map((r) => r.accountId))]);
  }

  override claimForReconcile(accountId: string, now: Date, leaseUntil: Date, limit: number) {
    this.claims.push({ limit, leaseUntil });
    const due = [...this.rows.values()]
      .filter((r) => r.accountId === accountId && r.reconcileAt && r.reconcileAt <= now)
      .sort((a, b) => a.reconcileAt!.getTime() - b.reconcileAt!.getTime())
      .slice(0, limit);
    return Promise.resolve(
      due.map(({ reconcileAt, ...thread }) => {
        this.rows.get(thread.id)!.reconcileAt = leaseUntil;
        return { ...thread, dueAt: reconcileAt! };
      }),
    );
  }

  override scheduleReconcile(threadId: string, at: Date | null, lastSeenMessageAt: Date | null): Promise<void> {
    const row = this.rows.get(threadId)!;
    row.reconcileAt = at;
    if (lastSeenMessageAt && (!row.lastSeenMessageAt || lastSeenMessageAt > row.lastSeenMessageAt))
      row.lastSeenMessageAt = lastSeenMessageAt;
    return Promise.resolve();
  }

  override setCxoneIds(threadId: string, contactId: string | null, threadIdAtCxone: string | null): Promise<void> {
    this.cxoneIds.set(threadId, [contactId, threadIdAtCxone]);
    return Promise.resolve();
  }

  scheduled(id: string): string | null {
    return this.rows.get(id)!.reconcileAt?.toISOString() ?? null;
  }
}

/** The budget: `slots` reads granted, then refused; blocks recorded. */
class FakeBudget {
  taken = 0;
  readonly blocks: Array<{ accountId: string; ms: number }> = [];
  share = 2;
  constructor(public slots = Infinity) {}
  perSecond(use: ContactReadUse): number {
    return use === 'reconcile' ? this.share : 8;
  }
  take(): Promise<boolean> {
    if (this.taken >= this.slots) return Promise.resolve(false);
    this.taken++;
    return Promise.resolve(true);
  }
  block(accountId: string, ms: number): Promise<void> {
    this.blocks.push({ accountId, ms });
    return Promise.resolve();
  }
}

/** The InboundService's door: stores a message once by its id, like the real one. */
class FakeInbound {
  readonly received: CustomerMessage[] = [];
  private readonly stored = new Set<string>();
  customerMessage(m: CustomerMessage): Promise<InboundOutcome> {
    this.received.push(m);
    const id = m.idOnExternalPlatform ?? `cx-${m.cxoneMessageId}`;
    if (this.stored.has(id)) return Promise.resolve('repeat');
    this.stored.add(id);
    return Promise.resolve('stored');
  }
  markStored(cxoneMessageId: string): void {
    this.stored.add(`cx-${cxoneMessageId}`);
  }
}

describe('ReconcileService', () => {
  let clock: FakeClock;
  let threads: FakeThreads;
  let cxone: InMemoryCxoneClient;
  let budget: FakeBudget;
  let inbound: FakeInbound;
  let enabled: boolean;
  const account: CxoneAccountRef = { id: ACCOUNT, settings: {} as never };

  const service = () =>
    new ReconcileService(
      {
        reconcile: { enabled, intervalMs: 1000, readsPerSecond: 2, minDelayMs: 10 * SECOND, maxDelayMs: HOUR },
      } as AppConfig,
      threads,
      { resolve: () => Promise.resolve(account) } as unknown as AccountsService,
      cxone,
      budget as unknown as ContactReadBudget,
      inbound as unknown as InboundService,
      clock,
      new MetricsService(),
    );
  /** An alert sent `agoMs` before now, known to CXone as a contact; returns the contact id. */
  const alert = async (id: string, agoMs: number): Promise<string> => {
    const sent = await cxone.sendOutbound(account, 'sms_1', {
      content: { type: 'TEXT', text: 'Your flight is cancelled' } as never,
      to: '+12025550143',
      threadExternalId: `tl-${id}`,
      messageExternalId: `m-${id}`,
    });
    threads.add({
      id,
      dueAt: new Date(clock.now()),
      createdAt: new Date(clock.now() - agoMs),
      cxoneContactId: sent.contactId,
    });
    return sent.contactId!;
  };
  const at = (ms: number) => new Date(ms).toISOString();

  beforeEach(() => {
    clock = new FakeClock();
    threads = new FakeThreads();
    cxone = new InMemoryCxoneClient();
    budget = new FakeBudget();
    inbound = new FakeInbound();
    enabled = true;
  });

  it('passes the customer’s messages on, oldest first, as learnt by reconciliation, and reads a fresh thread again soon', async () => {
    const contact = await alert('t1', 5 * SECOND);
    cxone.addCustomerMessage(contact, '+12025550143', 'HELP', new Date(clock.now() - 3 * SECOND));
    cxone.addCustomerMessage(contact, '+12025550143', 'STOP', new Date(clock.now() - 1 * SECOND));
    cxone.contactMessages.get(contact)!.reverse(); // CXone answers newest first

    const result = await service().round();

    expect(inbound.received.map((m) => [(m.content.payload as { text: string }).text, m.via, m.contactNumber])).toEqual(
      [
        ['HELP', 'reconciliation', contact],
        ['STOP', 'reconciliation', contact],
      ],
    );
    expect(inbound.received[0]).toMatchObject({
      accountId: ACCOUNT,
      cxoneChannelId: 'sms_1',
      threadExternalId: 'tl-t1',
      from: '+12025550143',
    });
    expect(result).toMatchObject({ accounts: 1, threads: 1, reads: 1, found: 2, rateLimited: 0 });
    expect({
      next: threads.scheduled('t1'),
      seen: threads.rows.get('t1')!.lastSeenMessageAt?.toISOString(),
    }).toEqual({ next: at(clock.now() + 10 * SECOND), seen: at(clock.now() - SECOND) });
  });

  it('passes on only messages newer than the last one seen, and reads an old quiet thread after a sixth of its age', async () => {
    const contact = await alert('t1', 3 * HOUR);
    cxone.addCustomerMessage(contact, '+12025550143', 'old', new Date(clock.now() - 2 * HOUR));
    threads.rows.get('t1')!.lastSeenMessageAt = new Date(clock.now() - 2 * HOUR + 1);
    threads.rows.get('t1')!.lastCustomerAt = new Date(clock.now() - 2 * HOUR);

    await service().round();

    expect(inbound.received).toEqual([]);
    // the customer's latest message (2 h ago) is the thread's latest sign of life: 2 h / 6
    expect(threads.scheduled('t1')).toBe(at(clock.now() + 20 * MINUTE));
  });

  it('counts a message the webhook stored already as nothing found', async () => {
    const contact = await alert('t1', MINUTE);
    const m = cxone.addCustomerMessage(contact, '+12025550143', 'Thanks', new Date(clock.now() - SECOND));
    inbound.markStored(m.id);

    const result = await service().round();

    expect({ passed: inbound.received.length, found: result.found }).toEqual({ passed: 1, found: 0 });
  });

  it('reads a backlog in batches (the share per interval, or what is in flight at once), each claim leased', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of ids) await alert(id, MINUTE);

    const result = await service().round();

    const lease = new Date(clock.now() + RECONCILE_LEASE_MS);
    // a share of 2/s keeps 4 reads in flight (readConcurrency), so batches of 4
    expect(threads.claims).toEqual([
      { limit: 4, leaseUntil: lease },
      { limit: 4, leaseUntil: lease },
    ]);
    expect({ reads: result.reads, threads: result.threads }).toEqual({ reads: 6, threads: 6 });
    expect(ids.map((id) => threads.scheduled(id))).toEqual(Array(6).fill(at(clock.now() + 10 * SECOND)));
  });

  it('gives a thread back to its place in the line when the read budget is spent', async () => {
    await alert('t1', MINUTE);
    budget.slots = 0;

    const result = await service().round();

    expect({ reads: cxone.callsOf('listContactMessages').length, result: result.reads }).toEqual({
      reads: 0,
      result: 0,
    });
    expect(threads.scheduled('t1')).toBe(at(clock.now()));
  });

  it('stops the account’s round on a 429, blocks its reads for Retry-After and gives the threads back', async () => {
    budget.share = 20;
    const ids = Array.from({ length: 20 }, (_, i) => `t${i}`);
    for (const id of ids) await alert(id, MINUTE);
    cxone.failNext('listContactMessages', new CxoneRateLimitedError('contactMessages', 7000));

    const result = await service().round();

    expect({ blocks: budget.blocks, rateLimited: result.rateLimited }).toEqual({
      blocks: [{ accountId: ACCOUNT, ms: 7000 }],
      rateLimited: 1,
    });
    // reads already in flight (at most the round's concurrency) finish; no thread is read after the 429, no more claimed
    const reads = cxone.callsOf('listContactMessages').length;
    const givenBack = ids.filter((id) => threads.scheduled(id) === at(clock.now()));
    expect({ readsAtMost10: reads <= 10, givenBack: givenBack.length, claims: threads.claims.length }).toEqual({
      readsAtMost10: true,
      givenBack: 20 - reads + 1,
      claims: 1,
    });
  });

  it('backs off 30 s after a 429 without Retry-After', async () => {
    await alert('a', MINUTE);
    cxone.failNext('listContactMessages', new CxoneRateLimitedError('contactMessages', undefined));

    await service().round();

    expect(budget.blocks).toEqual([{ accountId: ACCOUNT, ms: RATE_LIMITED_BACKOFF_MS }]);
    expect(threads.scheduled('a')).toBe(at(clock.now()));
  });

  it('reschedules a thread whose read failed by its backoff, keeping the last message seen', async () => {
    await alert('t1', MINUTE);
    cxone.failNext(
      'listContactMessages',
      new CxoneUnavailableError('contactMessages', 'server', 503, false, 'HTTP 503'),
    );

    await service().round();

    expect({ next: threads.scheduled('t1'), seen: threads.rows.get('t1')!.lastSeenMessageAt }).toEqual({
      next: at(clock.now() + 10 * SECOND),
      seen: null,
    });
  });

  it('finds the CXone contact of a thread whose send did not name it, by the customer and the thread id', async () => {
    const contact = await alert('t1', MINUTE);
    await alert('other', MINUTE); // the same customer's other thread: not this one's contact
    threads.rows.get('t1')!.cxoneContactId = null;
    cxone.addCustomerMessage(contact, '+12025550143', 'Yes please', new Date(clock.now() - SECOND));

    await service().round();

    expect(threads.cxoneIds.get('t1')).toEqual([contact, 'thread-tl-t1']);
    expect(inbound.received.filter((m) => m.threadExternalId === 'tl-t1').map((m) => m.contactNumber)).toEqual([
      contact,
    ]);
    expect(cxone.callsOf('findContacts').map((c) => c.args[0])).toEqual([
      { channelId: 'sms_1', endUserId: '+12025550143' },
    ]);
  });

  it('does nothing when turned off', async () => {
    enabled = false;
    await alert('t1', MINUTE);

    const result = await service().round();

    expect({ claims: threads.claims.length, reads: result.reads }).toEqual({ claims: 0, reads: 0 });
  });
});

describe('readConcurrency', () => {
  it('keeps enough reads in flight for the share at half a second a read, 4 to 32', () => {
    expect([1, 2, 12, 15, 40, 120].map(readConcurrency)).toEqual([4, 4, 6, 8, 20, 32]);
  });
});
