import type { AppConfig } from '@/config';
import { ConsentChanges } from '@/modules/contacts/consent-changes';
import { MetricsService } from '@/infra/metrics/metrics.service';
import {
  CxoneAuthError,
  CxoneRateLimitedError,
  CxoneRejectedError,
  CxoneUnavailableError,
} from '@/integrations/cxone/cxone.errors';
import { InMemoryCxoneClient } from '@/integrations/cxone/testing/in-memory-cxone.client';
import { CampaignStatusCache } from './campaign-status-cache';
import { DispatchMetrics } from './dispatch.metrics';
import { RecipientLedger } from './recipient-ledger';
import { RetryPolicy } from './retry-policy';
import { SendGate } from './send-gate';
import { SenderService, SendResult } from './sender.service';
import {
  FakeCampaign,
  FakeClock,
  FakeContacts,
  FakeProgress,
  FixedTargets,
  InMemoryDispatchRepository,
  NoNotifications,
  RecordingCompletion,
  RecordingThreads,
  ScriptedLimiter,
} from './testing/dispatch-fakes';

const account = {
  id: 'acc-1',
  settings: { rateLimitPerSecond: 40 } as never,
};
const channel = { id: 'ch-1', accountId: 'acc-1', cxoneChannelId: 'sms_threadline_dev', kind: 'SMS', isActive: true };
const whatsapp = { ...channel, id: 'ch-wa', cxoneChannelId: 'whatsapp_threadline_dev', kind: 'WHATSAPP' };
const timing = { queuedAt: 0, firstRun: true };

/**
 * The send path's failure table, against in-memory edges (the CXone fake, the recipients table, the rate limiter,
 * consent) and a clock the test sets: what a recipient ends up as, what CXone received, and what the job does next.
 */
describe('SenderService', () => {
  let repository: InMemoryDispatchRepository;
  let cxone: InMemoryCxoneClient;
  let limiter: ScriptedLimiter;
  let contacts: FakeContacts;
  let threads: RecordingThreads;
  let clock: FakeClock;
  let sender: SenderService;

  const build = (target = channel): void => {
    const metrics = new DispatchMetrics(new MetricsService());
    const ledger = new RecipientLedger(
      repository,
      threads,
      new FakeProgress(),
      new RecordingCompletion(),
      metrics,
      clock,
      contacts,
      new ConsentChanges(new NoNotifications(), clock),
    );
    const policy = new RetryPolicy(
      { dispatch: { maxAttempts: 3, maxRateLimited: 2, retryBaseMs: 1000 } } as Pick<AppConfig, 'dispatch'>,
      () => 0.5,
    );
    sender = new SenderService(
      ledger,
      new FixedTargets({ channel: target as never, account }),
      new SendGate(
        new CampaignStatusCache(new NoNotifications(), repository),
        contacts,
        new ConsentChanges(new NoNotifications(), clock),
        clock,
      ),
      limiter,
      cxone,
      policy,
    );
  };

  beforeEach(() => {
    repository = new InMemoryDispatchRepository();
    cxone = new InMemoryCxoneClient();
    limiter = new ScriptedLimiter();
    contacts = new FakeContacts();
    threads = new RecordingThreads(repository);
    clock = new FakeClock();
    repository.addCampaign({
      id: 'camp-1',
      channelId: channel.id,
      customFields: { alert_type: 'flight_cancellation' },
    });
    repository.addRecipient({ id: 'r-1', campaignId: 'camp-1', address: '+12025550143', name: 'Ana' });
    build();
  });

  const send = (): Promise<SendResult> => sender.send({ recipientId: 'r-1', generation: 1 }, timing);
  const row = () => {
    const r = repository.recipients.get('r-1')!;
    return { status: r.status, attempts: r.attempts, rateLimitedCount: r.rateLimitedCount, reason: r.failureReason };
  };

  it('sends with the stable ids and custom fields, records the thread, and marks the recipient SENT', async () => {
    expect(await send()).toEqual({ kind: 'done', outcome: 'sent' });
    expect(row()).toEqual({ status: 'SENT', attempts: 1, rateLimitedCount: 0, reason: null });
    expect(cxone.callsOf('sendOutbound').map((c) => c.args)).toEqual([
      [
        'sms_threadline_dev',
        expect.objectContaining({
          to: '+12025550143',
          recipientName: 'Ana',
          threadExternalId: 'tl-r-1',
          messageExternalId: 'tlm-r-1',
          customFields: { alert_type: 'flight_cancellation' },
        }),
      ],
    ]);
    expect(threads.alerts).toEqual([
      expect.objectContaining({
        channelId: 'ch-1',
        contact: { address: '+12025550143', displayName: 'Ana' },
        thread: expect.objectContaining({ idOnExternalPlatform: 'tl-r-1', campaignId: 'camp-1' }) as unknown,
      }),
    ]);
  });

  it('sends nothing for a job of an older generation', async () => {
    expect(await sender.send({ recipientId: 'r-1', generation: 0 }, timing)).toEqual({
      kind: 'done',
      outcome: 'obsolete',
    });
    expect(cxone.calls).toEqual([]);
    expect(row().status).toBe('QUEUED');
  });

  it('on 429 pauses the account for Retry-After and puts the job back without spending an attempt', async () => {
    cxone.failNext('sendOutbound', new CxoneRateLimitedError('outbound', 3000));
    expect(await send()).toEqual({ kind: 'rate_limited' });
    expect(limiter.pauses).toEqual([{ accountId: 'acc-1', ms: 3000 + 125 }]);
    expect(row()).toEqual({ status: 'SENDING', attempts: 0, rateLimitedCount: 1, reason: null });
  });

  it('fails a recipient that keeps getting 429 beyond the cap', async () => {
    repository.recipients.get('r-1')!.rateLimitedCount = 2;
    cxone.failNext('sendOutbound', new CxoneRateLimitedError('outbound', 1000));
    expect(await send()).toMatchObject({ kind: 'failed' });
    expect(row()).toEqual({ status: 'FAILED', attempts: 1, rateLimitedCount: 3, reason: 'RATE_LIMITED' });
  });

  it('fails at once, as AUTH, when CXone refuses our credentials', async () => {
    cxone.failNext('sendOutbound', new CxoneAuthError('outbound', 401, 'invalid_client'));
    expect(await send()).toMatchObject({ kind: 'failed' });
    expect(row()).toEqual({ status: 'FAILED', attempts: 1, rateLimitedCount: 0, reason: 'AUTH' });
  });

  it('fails at once, as REJECTED with CXone’s error, on another 4xx', async () => {
    cxone.failNext('sendOutbound', new CxoneRejectedError('outbound', 400, [{ field: 'to', message: 'invalid' }]));
    expect(await send()).toEqual({ kind: 'failed', error: expect.stringContaining('to: invalid') as string });
    expect(row()).toEqual({ status: 'FAILED', attempts: 1, rateLimitedCount: 0, reason: 'REJECTED' });
  });

  it("skips the recipient as opted out, and records CXone's opt-out, when CXone refuses because they said STOP there", async () => {
    cxone.failNext(
      'sendOutbound',
      new CxoneRejectedError('outbound', 422, [{ message: 'The recipient opted out', errorCode: 'RecipientOptedOut' }]),
    );
    expect(await send()).toEqual({ kind: 'done', outcome: 'skipped_opted_out' });
    expect(row()).toEqual({ status: 'SKIPPED_OPTED_OUT', attempts: 1, rateLimitedCount: 0, reason: null });
    expect(contacts.recorded.map((c) => [c.address, c.kind, c.source])).toEqual([['+12025550143', 'OPT_OUT', 'CXONE']]);
  });

  it('retries a 5xx after its backoff, the row waiting as QUEUED with the attempt counted', async () => {
    cxone.failNext('sendOutbound', new CxoneUnavailableError('outbound', 'server', 503, false, 'HTTP 503'));
    expect(await send()).toEqual({ kind: 'retry', delayMs: 750, error: expect.stringContaining('503') as string });
    expect(row()).toEqual({ status: 'QUEUED', attempts: 1, rateLimitedCount: 0, reason: null });
  });

  it('fails as TRANSIENT when the last attempt gets a 5xx', async () => {
    repository.recipients.get('r-1')!.attempts = 2;
    cxone.failNext('sendOutbound', new CxoneUnavailableError('outbound', 'timeout', undefined, true, 'timeout'));
    expect(await send()).toMatchObject({ kind: 'failed' });
    expect(row()).toEqual({ status: 'FAILED', attempts: 3, rateLimitedCount: 0, reason: 'TRANSIENT' });
  });

  it('hands its place back (a delayed job, free of charge) when the next slot is too far away', async () => {
    limiter.slots.push({ tooLongMs: 12_000 });
    expect(await send()).toEqual({ kind: 'later', delayMs: 12_000 });
    expect(cxone.calls).toEqual([]);
    expect(row()).toEqual({ status: 'QUEUED', attempts: 0, rateLimitedCount: 0, reason: null });
  });

  it('hands its job back at once when the process shuts down while it waits for its slot', async () => {
    limiter.slots.push({ abort: true });
    expect(await send()).toEqual({ kind: 'later', delayMs: 0 });
    expect(cxone.calls).toEqual([]);
    expect(row()).toEqual({ status: 'QUEUED', attempts: 0, rateLimitedCount: 0, reason: null });
  });

  it('releases the recipient (PENDING) when its campaign is paused while it waits for its slot', async () => {
    limiter.slots.push({ meanwhile: () => (repository.campaigns.get('camp-1')!.status = 'PAUSED') });
    expect(await send()).toEqual({ kind: 'done', outcome: 'paused' });
    expect(row().status).toBe('PENDING');
    expect(cxone.calls).toEqual([]);
  });

  it('releases a recipient whose job finds its campaign paused (a retry that came due while paused)', async () => {
    repository.campaigns.get('camp-1')!.status = 'PAUSED';
    expect(await send()).toEqual({ kind: 'done', outcome: 'obsolete' });
    expect(row().status).toBe('PENDING');
    expect(cxone.calls).toEqual([]);
  });

  it('cancels a recipient whose campaign is cancelled while it waits for its slot', async () => {
    limiter.slots.push({ meanwhile: () => (repository.campaigns.get('camp-1')!.status = 'CANCELLED') });
    expect(await send()).toEqual({ kind: 'done', outcome: 'cancelled' });
    expect(row().status).toBe('CANCELLED');
  });

  it('skips a customer who opted out while the send waited for its slot', async () => {
    limiter.slots.push({ meanwhile: () => contacts.set('ch-1', '+12025550143', { optedOut: true }) });
    expect(await send()).toEqual({ kind: 'done', outcome: 'skipped_opted_out' });
    expect(row()).toEqual({ status: 'SKIPPED_OPTED_OUT', attempts: 1, rateLimitedCount: 0, reason: null });
    expect(cxone.calls).toEqual([]);
  });

  it('checks again before every start: a 429 voids the slot, the customer says STOP meanwhile, nothing is sent', async () => {
    limiter.slots.push('voided', { meanwhile: () => contacts.set('ch-1', '+12025550143', { optedOut: true }) });
    expect(await send()).toEqual({ kind: 'done', outcome: 'skipped_opted_out' });
    expect(limiter.checks).toBe(2);
    expect(cxone.calls).toEqual([]);
  });

  describe('quiet hours (21:00-08:00 in the recipient’s zone; the clock at 12:00 UTC)', () => {
    const quiet = (extra: Partial<FakeCampaign> = {}): void => {
      Object.assign(repository.campaigns.get('camp-1')!, {
        quietStartMinute: 21 * 60,
        quietEndMinute: 8 * 60,
        ...extra,
      });
    };
    const zoned = (timeZone: string | null): void => {
      repository.recipients.get('r-1')!.timeZone = timeZone;
    };
    const deferral = () => {
      const r = repository.recipients.get('r-1')!;
      return { status: r.status, attempts: r.attempts, notBefore: r.notBefore?.toISOString() ?? null };
    };

    it('defers a recipient whose local time is quiet until its window opens, sending nothing and counting no attempt', async () => {
      quiet();
      zoned('Asia/Tokyo'); // 21:00 in Tokyo: quiet until 08:00 there, 23:00 UTC
      expect(await send()).toEqual({ kind: 'deferred', delayMs: 11 * 3600_000 });
      expect(deferral()).toEqual({ status: 'QUEUED', attempts: 0, notBefore: '2026-12-01T23:00:00.000Z' });
      expect(cxone.calls).toEqual([]);
      expect(limiter.checks).toBe(0); // deferred before taking a rate slot

      // the job's next run, when the window opens: sent
      clock.nowMs = Date.parse('2026-12-01T23:00:00.000Z');
      expect(await send()).toEqual({ kind: 'done', outcome: 'sent' });
      expect(row().status).toBe('SENT');
    });

    it('sends at once to a recipient whose local time is outside the quiet hours', async () => {
      quiet();
      zoned('Europe/London'); // 12:00 there
      expect(await send()).toEqual({ kind: 'done', outcome: 'sent' });
      expect(cxone.callsOf('sendOutbound')).toHaveLength(1);
    });

    it("reads a recipient without a zone in the campaign's zone, else in UTC", async () => {
      quiet({ timeZone: 'America/New_York' }); // 07:00 there: quiet until 08:00 EST, 13:00 UTC
      zoned(null);
      expect(await send()).toEqual({ kind: 'deferred', delayMs: 3600_000 });
      expect(deferral().notBefore).toBe('2026-12-01T13:00:00.000Z');

      quiet({ timeZone: null, quietStartMinute: 11 * 60, quietEndMinute: 12 * 60 + 30 }); // 12:00 UTC: quiet
      expect(await send()).toEqual({ kind: 'deferred', delayMs: 30 * 60_000 });
      expect(deferral().notBefore).toBe('2026-12-01T12:30:00.000Z');
      expect(cxone.calls).toEqual([]);
    });

    it('reads a zone the runtime does not know (a row not written by intake) as UTC instead of failing', async () => {
      quiet({ quietStartMinute: 11 * 60, quietEndMinute: 12 * 60 + 30 });
      zoned('Mars/Olympus_Mons');
      expect(await send()).toEqual({ kind: 'deferred', delayMs: 30 * 60_000 });
    });

    it('sends through quiet hours for an urgent campaign that ignores them', async () => {
      quiet({ ignoreQuietHours: true });
      zoned('Asia/Tokyo');
      expect(await send()).toEqual({ kind: 'done', outcome: 'sent' });
      expect(row().status).toBe('SENT');
    });

    it('checks again just before the start: quiet hours that begin while the send waits for its slot defer it', async () => {
      quiet();
      zoned('Asia/Tokyo');
      clock.nowMs = Date.parse('2026-12-01T11:59:59.990Z'); // 20:59:59.99 in Tokyo
      limiter.slots.push({ meanwhile: () => (clock.nowMs = Date.parse('2026-12-01T12:00:00.000Z')) });
      expect(await send()).toEqual({ kind: 'deferred', delayMs: 11 * 3600_000 });
      expect(limiter.checks).toBe(1);
      expect(deferral()).toEqual({ status: 'QUEUED', attempts: 0, notBefore: '2026-12-01T23:00:00.000Z' });
      expect(cxone.calls).toEqual([]);
    });

    it('skips a customer who opted out rather than deferring them', async () => {
      quiet();
      zoned('Asia/Tokyo');
      clock.nowMs = Date.parse('2026-12-01T11:00:00.000Z'); // 20:00 in Tokyo: not quiet yet
      limiter.slots.push({
        meanwhile: () => {
          clock.nowMs = Date.parse('2026-12-01T12:00:00.000Z');
          contacts.set('ch-1', '+12025550143', { optedOut: true });
        },
      });
      expect(await send()).toEqual({ kind: 'done', outcome: 'skipped_opted_out' });
    });
  });

  it('never sends WhatsApp free text outside the 24-hour window, and sends it inside', async () => {
    repository.addCampaign({ id: 'camp-wa', channelId: whatsapp.id });
    repository.addRecipient({ id: 'r-1', campaignId: 'camp-wa', address: '+12025550143' });
    build(whatsapp);
    contacts.set('ch-wa', '+12025550143', { lastInboundAt: new Date(clock.now() - 25 * 3600 * 1000) });
    expect(await send()).toEqual({ kind: 'done', outcome: 'skipped_window' });
    expect(cxone.calls).toEqual([]);

    repository.addRecipient({ id: 'r-1', campaignId: 'camp-wa', address: '+12025550143' });
    contacts.set('ch-wa', '+12025550143', { lastInboundAt: new Date(clock.now() - 23 * 3600 * 1000) });
    expect(await send()).toEqual({ kind: 'done', outcome: 'sent' });
  });

  it('sends the fallback template instead of WhatsApp free text outside the window, and the text inside it', async () => {
    const fallbackTemplate = { name: 'flight_cancellation', language: 'en_US', parameters: { '1': 'there' } };
    repository.addCampaign({ id: 'camp-wa', channelId: whatsapp.id, fallbackTemplate });
    repository.addRecipient({ id: 'r-1', campaignId: 'camp-wa', address: '+12025550143', parameters: { '2': 'BA1' } });
    build(whatsapp);
    contacts.set('ch-wa', '+12025550143', { lastInboundAt: new Date(clock.now() - 25 * 3600 * 1000) });
    expect(await send()).toEqual({ kind: 'done', outcome: 'sent' });

    repository.addRecipient({ id: 'r-1', campaignId: 'camp-wa', address: '+12025550143', parameters: { '2': 'BA1' } });
    contacts.set('ch-wa', '+12025550143', { lastInboundAt: new Date(clock.now() - 23 * 3600 * 1000) });
    expect(await send()).toEqual({ kind: 'done', outcome: 'sent' });

    const sentContent = cxone.callsOf('sendOutbound').map((c) => (c.args[1] as { content: unknown }).content);
    expect(sentContent).toEqual([
      { type: 'TEMPLATE', template: { ...fallbackTemplate, parameters: { '1': 'there', '2': 'BA1' } } },
      { type: 'TEXT', text: 'Your flight BA123 is cancelled' },
    ]);
    expect(threads.alerts.map((a) => a.message.content)).toEqual(sentContent);
  });
});
