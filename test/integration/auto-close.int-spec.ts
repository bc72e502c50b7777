import {
  allRecipients,
  Campaign,
  Channel,
  createCampaign,
  phones,
  registerChannel,
  waitForCampaign,
} from '@test/factories/campaigns';
import { AppConfig } from '@/config';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { QueueKeeper } from '@/infra/queue/queue-keeper';
import { QueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { Clock } from '@/infra/time/clock';
import { CxoneClient } from '@/integrations/cxone/cxone.client';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { ConversationEvents } from '@/modules/conversations/conversation-events';
import { AutoCloser } from '@/modules/replies/auto-closer';
import { ContactUpdateBudget } from '@/modules/replies/contact-update-budget';
import { ThreadsService } from '@/modules/threads/threads.service';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

interface SimRequest {
  operation: string;
  path: string;
  status: number | null;
  body?: unknown;
  at: number;
}
interface SimContact {
  id: string;
  status: string;
  threadIdOnExternalPlatform: string;
}
interface Thread {
  id: string;
  status: string;
  closeReason: string | null;
  cxoneContactId: string | null;
  closedAt: string | null;
  idOnExternalPlatform: string;
}
interface Outcomes {
  replied: number;
  optedOut: number;
  autoClosed: number;
  replyRate: number | null;
}

/** Seconds an alert waits for its reply in these tests. */
const WINDOW_SECONDS = 4;

/**
 * Auto-close against the simulator: alerts nobody answered are resolved in CXone once their campaign's window has
 * passed (the job scheduler runs every 500 ms here), answered ones are left open for the agent, and what CXone
 * received shows it.
 */
describe('auto-close of unanswered proactive alerts', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;

  const send = async (to: string[], autoCloseAfterSeconds: number | null): Promise<Campaign> => {
    const created = await createCampaign(admin, {
      channelId: sms.id,
      recipients: to.map((address) => ({ to: address })),
      start: true,
      autoCloseAfterSeconds,
    });
    return waitForCampaign(admin, created.id);
  };
  /** Each recipient's thread, by address. */
  const threadsOf = async (campaignId: string): Promise<Map<string, Thread & { sentAt: string }>> => {
    const recipients = await allRecipients(admin, campaignId);
    const list = await admin.get<{ data: Thread[] }>(`/api/v1/threads?campaignId=${campaignId}&limit=100`);
    const out = new Map<string, Thread & { sentAt: string }>();
    for (const r of recipients) {
      const summary = list.body.data.find((th) => th.idOnExternalPlatform === r.threadExternalId);
      if (!summary) continue;
      const thread = (await admin.get<Thread>(`/api/v1/threads/${summary.id}`)).body;
      out.set(r.address, { ...thread, sentAt: r.sentAt! });
    }
    return out;
  };
  const simContactStatus = async (threadExternalId: string): Promise<string[]> =>
    (
      await sim.control.get<SimContact[]>(
        `/sim/contacts?threadIdOnExternalPlatform=${encodeURIComponent(threadExternalId)}`,
      )
    ).body.map((c) => `${c.id}:${c.status}`);
  const statusChanges = async (): Promise<SimRequest[]> =>
    (await sim.control.get<SimRequest[]>('/sim/requests?operation=contactStatus&limit=100000')).body;
  const outcomes = async (campaignId: string): Promise<Outcomes> =>
    (await admin.get<{ outcomes: Outcomes }>(`/api/v1/campaigns/${campaignId}`)).body.outcomes;

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({ ...sim.appEnv, SWEEPER_INTERVAL_MS: '60000', AUTO_CLOSE_INTERVAL_MS: '500' });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 100 });
    const configured = await sim.control.patch('/sim/config', {
      webhookUrl: `${t.http.baseUrl}/webhooks/cxone/default`,
      webhookAuth: 'hmac',
    });
    expect(configured.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('resolves the unanswered alerts in CXone after the window and leaves the answered one to the agent', async () => {
    // a campaign that never auto-closes, sent first: its thread is past any window the other one has
    const [never] = phones(1);
    const kept = await send([never], null);
    expect(kept.autoCloseAfterSeconds).toBeNull();

    const [ana, bo, cy] = phones(3);
    const campaign = await send([ana, bo, cy], WINDOW_SECONDS);
    expect(campaign.autoCloseAfterSeconds).toBe(WINDOW_SECONDS);
    const replied = await sim.control.post('/sim/customer/reply', {
      channelId: 'sms_threadline_dev',
      from: ana,
      text: 'Can I rebook for tomorrow?',
    });
    expect(replied.status).toBe(200);
    await eventually(
      async () => (await threadsOf(campaign.id)).get(ana)!.status,
      (status) => status === 'REPLIED',
      { what: "ana's reply recorded on her alert's thread", timeoutMs: 15_000 },
    );

    const threads = await eventually(
      () => threadsOf(campaign.id),
      (byAddress) => [bo, cy].every((a) => byAddress.get(a)?.status === 'CLOSED'),
      { what: 'the unanswered threads closed', timeoutMs: 20_000 },
    );
    const summary = [ana, bo, cy].map((a) => {
      const th = threads.get(a)!;
      return [a, th.status, th.closeReason];
    });
    expect(summary).toEqual([
      [ana, 'REPLIED', null],
      [bo, 'CLOSED', 'UNANSWERED'],
      [cy, 'CLOSED', 'UNANSWERED'],
    ]);
    // not before the window
    for (const a of [bo, cy]) {
      const th = threads.get(a)!;
      const waitedMs = Date.parse(th.closedAt!) - Date.parse(th.sentAt);
      expect({ address: a, closedBeforeWindow: waitedMs < WINDOW_SECONDS * 1000, waitedMs }).toEqual({
        address: a,
        closedBeforeWindow: false,
        waitedMs,
      });
    }

    // what CXone holds: the unanswered contacts resolved, the answered one open for an agent
    expect(await simContactStatus(threads.get(bo)!.idOnExternalPlatform)).toEqual([
      `${threads.get(bo)!.cxoneContactId}:resolved`,
    ]);
    expect(await simContactStatus(threads.get(cy)!.idOnExternalPlatform)).toEqual([
      `${threads.get(cy)!.cxoneContactId}:resolved`,
    ]);
    const anaContacts = await simContactStatus(threads.get(ana)!.idOnExternalPlatform);
    expect(anaContacts.filter((c) => /:(resolved|closed|trashed)$/.test(c))).toEqual([]);
    // one status change per unanswered contact, none for the answered one
    const changed = (await statusChanges()).filter((r) => r.status !== null && r.status < 300);
    expect(changed.map((r) => [r.path, r.body]).sort()).toEqual(
      [bo, cy]
        .map((a) => [`/dfo/3.0/contacts/${threads.get(a)!.cxoneContactId}/status`, { status: 'resolved' }])
        .sort(),
    );

    expect(await outcomes(campaign.id)).toEqual({ replied: 1, optedOut: 0, autoClosed: 2, replyRate: 0.3333 });
    // the campaign without a window: still awaiting its reply, its contact untouched
    const untouched = (await threadsOf(kept.id)).get(never)!;
    expect([untouched.status, untouched.closeReason]).toEqual(['AWAITING_REPLY', null]);
    expect(await simContactStatus(untouched.idOnExternalPlatform)).not.toContainEqual(
      `${untouched.cxoneContactId}:resolved`,
    );
    expect(await outcomes(kept.id)).toEqual({ replied: 0, optedOut: 0, autoClosed: 0, replyRate: 0 });
  });

  it('keeps a thread due when CXone answers 429 to the status change, and closes it on a later run', async () => {
    const fault = await sim.control.post('/sim/faults', {
      kind: '429',
      count: 1,
      operation: 'contactStatus',
      retryAfterSeconds: 1,
    });
    expect(fault.status).toBe(201);
    const [dee] = phones(1);
    const campaign = await send([dee], 1);

    const thread = await eventually(
      async () => (await threadsOf(campaign.id)).get(dee)!,
      (th) => th.status === 'CLOSED',
      { what: 'the thread closed after the 429', timeoutMs: 20_000 },
    );
    expect([thread.closeReason, await simContactStatus(thread.idOnExternalPlatform)]).toEqual([
      'UNANSWERED',
      [`${thread.cxoneContactId}:resolved`],
    ]);
    const path = `/dfo/3.0/contacts/${thread.cxoneContactId}/status`;
    const attempts = (await statusChanges()).filter((r) => r.path === path).map((r) => [r.path, r.status]);
    expect(attempts).toEqual([
      [path, 429],
      [path, expect.any(Number)],
    ]);
    expect(attempts[1][1]).toBeLessThan(300);
    expect((await outcomes(campaign.id)).autoClosed).toBe(1);
  });

  it('auto-closes a single message with its own window, also after Redis lost the job scheduler', async () => {
    const queue = t.app.get(QueueService).staticQueue(QueueName.Inbound);
    expect(await queue.getJobScheduler('auto-close-threads')).toMatchObject({ every: 500 });
    await queue.removeJobScheduler('auto-close-threads');
    await t.app.get(QueueKeeper).check();
    expect(await queue.getJobScheduler('auto-close-threads')).toMatchObject({ every: 500 });

    const [eve] = phones(1);
    const bad = await admin.post<{ details?: Array<{ field: string }> }>('/api/v1/messages', {
      channelId: sms.id,
      to: eve,
      content: { type: 'TEXT', text: 'Your card was used abroad' },
      autoCloseAfterSeconds: -1,
    });
    expect([bad.status, bad.body.details?.map((d) => d.field)]).toEqual([400, ['autoCloseAfterSeconds']]);

    const sent = await admin.post<{ id: string; threadExternalId: string }>('/api/v1/messages', {
      channelId: sms.id,
      to: eve,
      content: { type: 'TEXT', text: 'Your card was used abroad' },
      autoCloseAfterSeconds: 1,
    });
    expect(sent.status).toBe(202);
    const thread = await eventually(
      async () => {
        const list = await admin.get<{ data: Thread[] }>('/api/v1/threads?limit=100');
        return list.body.data.find((th) => th.idOnExternalPlatform === sent.body.threadExternalId);
      },
      (th) => th?.status === 'CLOSED',
      { what: "the message's thread auto-closed", timeoutMs: 20_000 },
    );
    expect([thread!.closeReason, await simContactStatus(thread!.idOnExternalPlatform)]).toEqual([
      'UNANSWERED',
      [`${thread!.cxoneContactId}:resolved`],
    ]);
  });

  it('closes each thread once when several workers run the auto-close at the same time', async () => {
    const addresses = phones(8);
    const campaign = await send(addresses, null);
    const threads = [...(await threadsOf(campaign.id)).values()];
    expect(threads.map((th) => th.status)).toEqual(addresses.map(() => 'AWAITING_REPLY'));
    // their window ends now (a campaign's window is fixed when each alert is sent)
    await t.app.get(PrismaService).thread.updateMany({
      where: { id: { in: threads.map((th) => th.id) } },
      data: { autoCloseAt: new Date(Date.now() - 1000) },
    });
    // two more workers besides the scheduler's, each with its own AutoCloser (one process never overlaps its runs)
    const worker = (): AutoCloser => {
      const get = <T>(type: abstract new (...args: never[]) => T): T => t.app.get(type as never, { strict: false });
      return new AutoCloser(
        get(ThreadsService),
        get(ChannelsService),
        get(AccountsService),
        get(CxoneClient),
        get(ContactUpdateBudget),
        get(AppConfig),
        get(Clock),
        get(LifecycleService),
        get(ConversationEvents),
        new MetricsService(),
      );
    };
    const reports = await Promise.all([worker().run(), worker().run()]);

    await eventually(
      async () => [...(await threadsOf(campaign.id)).values()].map((th) => th.status),
      (statuses) => statuses.every((st) => st === 'CLOSED'),
      { what: 'every thread closed', timeoutMs: 20_000 },
    );
    const paths = new Set(threads.map((th) => `/dfo/3.0/contacts/${th.cxoneContactId}/status`));
    const changes = (await statusChanges()).filter((r) => paths.has(r.path)).map((r) => r.path);
    expect(changes.sort()).toEqual([...paths].sort());
    expect(reports.reduce((n, r) => n + r.closed, 0)).toBeLessThanOrEqual(addresses.length);
    expect((await outcomes(campaign.id)).autoClosed).toBe(addresses.length);
  });

  it('lets a reply win over an auto-close in progress, and keeps UNANSWERED when CXone reports the contact ended', async () => {
    const [fay, gil] = phones(2);
    const campaign = await send([fay, gil], null);
    const before = await threadsOf(campaign.id);
    const [answered, ended] = [before.get(fay)!, before.get(gil)!];
    // both as an auto-close holds them (claimed, CXone not called yet), leased well past this test
    const claimedUntil = new Date(Date.now() + 120_000);
    await t.app.get(PrismaService).thread.updateMany({
      where: { id: { in: [answered.id, ended.id] } },
      data: { closeReason: 'UNANSWERED', autoCloseAt: claimedUntil },
    });
    // not closed yet: no reason shows
    const holding = (await admin.get<Thread>(`/api/v1/threads/${answered.id}`)).body;
    expect([holding.status, holding.closeReason]).toEqual(['AWAITING_REPLY', null]);

    await sim.control.post('/sim/customer/reply', {
      channelId: 'sms_threadline_dev',
      from: fay,
      text: 'Call me please',
    });
    await sim.control.post(`/sim/contacts/${ended.cxoneContactId}/status`, { status: 'resolved' });
    const after = await eventually(
      () => threadsOf(campaign.id),
      (byAddress) => byAddress.get(fay)?.status === 'REPLIED' && byAddress.get(gil)?.status === 'CLOSED',
      { what: 'the reply and the contact end recorded', timeoutMs: 15_000 },
    );
    expect([after.get(fay)!.closeReason, after.get(gil)!.closeReason]).toEqual([null, 'UNANSWERED']);
    // the claim that was in progress finds the thread answered: the customer's contact stays open for the agent
    expect(await t.app.get(ThreadsService).holdAutoClose({ id: answered.id, claimedUntil }, new Date())).toBe(false);
    expect(await outcomes(campaign.id)).toEqual({ replied: 1, optedOut: 0, autoClosed: 1, replyRate: 0.5 });

    // the answered conversation, ended later by the agent, is the agent's end, not an auto-close
    const contacts = (
      await sim.control.get<SimContact[]>(
        `/sim/contacts?threadIdOnExternalPlatform=${encodeURIComponent(answered.idOnExternalPlatform)}`,
      )
    ).body;
    for (const c of contacts) await sim.control.post(`/sim/contacts/${c.id}/status`, { status: 'resolved' });
    const agentEnded = await eventually(
      async () => (await threadsOf(campaign.id)).get(fay)!,
      (th) => th.status === 'CLOSED',
      { what: 'the answered thread ended by the agent', timeoutMs: 15_000 },
    );
    expect(agentEnded.closeReason).toBe('AGENT_ENDED');
    expect((await outcomes(campaign.id)).autoClosed).toBe(1);
  });

  it('refuses a window that is not a whole number of seconds between 1 s and 30 days', async () => {
    for (const autoCloseAfterSeconds of [0, 1.5, '60', 30 * 86_400 + 1]) {
      const res = await admin.post<{ statusCode: number; details?: Array<{ field: string }> }>('/api/v1/campaigns', {
        name: 'bad window',
        channelId: sms.id,
        content: { type: 'TEXT', text: 'hi' },
        autoCloseAfterSeconds,
      });
      expect([autoCloseAfterSeconds, res.status, res.body.details?.map((d) => d.field)]).toEqual([
        autoCloseAfterSeconds,
        400,
        ['autoCloseAfterSeconds'],
      ]);
    }
  });
});
