import { allRecipients, Campaign, Channel, createCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { dispatchQueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { Clock } from '@/infra/time/clock';
import { DispatchRepository } from '@/modules/dispatch/dispatch.repository';
import { SweeperService } from '@/modules/dispatch/sweeper.service';

interface SimRequest {
  at: number;
  status: number | null;
  body?: { recipients?: Array<{ idOnExternalPlatform: string }> };
}
interface QuietCampaign extends Campaign {
  quietHours: { start: string; end: string } | null;
  timeZone: string | null;
  ignoreQuietHours: boolean;
  progress: Campaign['progress'] & { deferred: number };
}
interface QuietRecipient {
  address: string;
  status: string;
  timeZone: string | null;
  notBefore: string | null;
}
interface ErrorBody {
  message: string;
  details?: Array<{ field: string; problems: string[] }>;
}

/** How long before their window opens the deferred recipients are queued (the test's wait for it). */
const LEAD_MS = 8000;

/**
 * How far the simulator's request times (performance.timeOrigin + performance.now(), monotonic) may be from this
 * process's Date.now(): a send at the instant the window opens may be logged a few ms before it.
 */
const CLOCKS_APART_MS = 250;

/** HH:MM of an instant in a zone. */
const hhmm = (at: number, timeZone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

/** Distinct valid Indian mobile numbers (+91 98…), which libphonenumber maps to India's one zone. */
let indian = 0;
const indianPhones = (count: number): string[] =>
  Array.from({ length: count }, () => `+9198${String(70000000 + indian++).padStart(8, '0')}`);

/**
 * Quiet hours against the simulator. The app's clock runs LEAD_MS behind a minute boundary W (real time plus a fixed
 * offset of under a minute, so BullMQ's delays, which use real time, stay in step with it), and the quiet hours are
 * the hour before W in India's time (UTC+5:30): India is in its quiet hours until W, New York (10½ hours behind) is
 * not. So the window of the Indian recipients opens LEAD_MS after the campaign starts, in real time.
 */
describe('quiet hours: deferred to the recipient’s window, in its own time zone', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;
  /** The window opens at W on the app's clock, at `opensAt` in real time. */
  let W: number;
  let opensAt: number;
  let quietHours: { start: string; end: string };

  const outbound = async (): Promise<Map<string, number>> => {
    const requests = (await sim.control.get<SimRequest[]>('/sim/requests?operation=outbound&limit=100000')).body;
    const sent = new Map<string, number>();
    for (const r of requests)
      if (r.status === 200) for (const to of r.body?.recipients ?? []) sent.set(to.idOnExternalPlatform, r.at);
    return sent;
  };
  const recipients = async (campaignId: string): Promise<QuietRecipient[]> =>
    (await allRecipients(admin, campaignId)) as unknown as QuietRecipient[];
  const campaign = async (id: string): Promise<QuietCampaign> =>
    (await admin.get<QuietCampaign>(`/api/v1/campaigns/${id}`)).body;

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({ ...sim.appEnv, SWEEPER_INTERVAL_MS: '60000' });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
    await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: 100 });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  /** Sets the app's clock LEAD_MS before the next minute boundary (from now on), and quiet hours ending then. */
  const windowOpensSoon = (): void => {
    const real = Date.now();
    W = Math.ceil((real + 1000) / 60_000) * 60_000;
    const offset = W - LEAD_MS - real;
    opensAt = W - offset;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => Date.now() + offset);
    quietHours = { start: hhmm(W - 3600_000, 'Asia/Kolkata'), end: hhmm(W, 'Asia/Kolkata') };
  };

  it('sends to recipients outside their quiet hours at once, and to those inside when their window opens', async () => {
    windowOpensSoon();
    const [ny1, ny2, nyInIndia] = phones(3);
    const [in1, in2, inInNewYork] = indianPhones(3);
    const created = await createCampaign(admin, {
      channelId: sms.id,
      quietHours,
      timeZone: 'Europe/London',
      start: true,
      recipients: [
        { to: ny1 }, // from the number: America/New_York
        { to: in1 }, // from the number: India
        { to: ny2 },
        { to: in2 },
        { to: nyInIndia, timeZone: 'Asia/Kolkata' }, // a US number whose owner is in India
        { to: inInNewYork, timeZone: 'America/New_York' },
      ],
    });
    expect(created).toMatchObject({ quietHours, timeZone: 'Europe/London', ignoreQuietHours: false });
    const outside = [ny1, ny2, inInNewYork];
    const inside = [in1, in2, nyInIndia];

    // the ones outside their quiet hours go out at once, while the others wait, deferred to their window
    const waiting = await eventually(
      async () => ({ sent: await outbound(), campaign: await campaign(created.id) }),
      // (CXone may have a message a moment before Threadline records it SENT)
      ({ sent, campaign: c }) =>
        outside.every((a) => sent.has(a)) && c.counts.sent === outside.length && c.progress.deferred === inside.length,
      { what: 'the recipients outside quiet hours sent, the others deferred', timeoutMs: LEAD_MS - 1000 },
    );
    expect(inside.filter((a) => waiting.sent.has(a))).toEqual([]);
    expect(waiting.campaign).toMatchObject({ status: 'RUNNING', counts: { sent: 3, queued: 3 } });
    const rows = await recipients(created.id);
    expect(
      rows
        .filter((r) => inside.includes(r.address))
        .map((r) => [r.address, r.status, r.timeZone, r.notBefore])
        .sort(),
    ).toEqual(
      [
        [in1, 'QUEUED', 'Asia/Calcutta', new Date(W).toISOString()],
        [in2, 'QUEUED', 'Asia/Calcutta', new Date(W).toISOString()],
        [nyInIndia, 'QUEUED', 'Asia/Kolkata', new Date(W).toISOString()],
      ].sort(),
    );
    for (const a of outside) expect([a, waiting.sent.get(a)! < opensAt]).toEqual([a, true]);

    // waiting is not stalling: with only deferred recipients left, the campaign is not reported stalled, however
    // long since one finished
    const stalled = await t.app.get(DispatchRepository).stalledCampaigns(new Date(Date.now() + 3600_000));
    expect(stalled.map((c) => c.id)).not.toContain(created.id);

    // Redis loses the waiting jobs: the sweeper re-adds them from PostgreSQL, still waiting for the window
    const queue = t.app.get(QueueService).dynamicQueue(dispatchQueueName(sms.accountId));
    const lost = await queue.getDelayed();
    expect(lost).toHaveLength(inside.length);
    for (const job of lost) await job.remove();
    const sweptAt = t.app.get(Clock).now();
    const report = await t.app.get(SweeperService).sweep({ full: true });
    expect(report.readded).toBe(inside.length);
    const readded = await Promise.all(lost.map(async (j) => (await queue.getJob(j.id!))?.opts.delay ?? 0));
    for (const delay of readded) expect([delay > 0, delay <= W - sweptAt]).toEqual([true, true]);

    // then the window opens: all of them are sent, none before it, and the campaign completes
    const done = await eventually(
      () => campaign(created.id),
      (c) => c.status === 'COMPLETED',
      { what: 'the deferred recipients sent when their window opened', timeoutMs: LEAD_MS + 20_000 },
    );
    expect(done).toMatchObject({ counts: { sent: 6, queued: 0 }, progress: { deferred: 0, remaining: 0 } });
    const sent = await outbound();
    for (const a of inside) expect([a, sent.get(a)! >= opensAt - CLOCKS_APART_MS]).toEqual([a, true]);
  });

  it('keeps deferred recipients waiting for their window across a pause and resume', async () => {
    windowOpensSoon();
    const [in1, in2] = indianPhones(2);
    const created = await createCampaign(admin, {
      channelId: sms.id,
      quietHours,
      start: true,
      recipients: [{ to: in1 }, { to: in2 }],
    });
    await eventually(
      () => campaign(created.id),
      (c) => c.progress.deferred === 2,
      { what: 'both deferred', timeoutMs: LEAD_MS - 2000 },
    );
    expect((await admin.post(`/api/v1/campaigns/${created.id}/pause`)).status).toBe(200);
    const resumedAt = t.app.get(Clock).now();
    expect((await admin.post(`/api/v1/campaigns/${created.id}/resume`)).status).toBe(200);

    // queued again in a new generation, whose jobs wait for the window (not run at once only to be deferred again)
    const queue = t.app.get(QueueService).dynamicQueue(dispatchQueueName(sms.accountId));
    // (each row's job now: the generation the resume queued it in)
    const current = async (): Promise<Set<string>> =>
      new Set(
        (await t.app.get(PrismaService).campaignRecipient.findMany({ where: { campaignId: created.id } })).map(
          (r) => `r-${r.id}-${r.generation}`,
        ),
      );
    const resumed = await eventually(
      async () => {
        const ids = await current();
        return (await queue.getDelayed()).filter((job) => ids.has(job.id!));
      },
      (jobs) => jobs.length === 2,
      { what: 'the resumed jobs delayed', timeoutMs: LEAD_MS - 3000 },
    );
    for (const job of resumed)
      expect([job.id, job.opts.delay! > 0 && job.opts.delay! <= W - resumedAt]).toEqual([job.id, true]);
    const done = await eventually(
      () => campaign(created.id),
      (c) => c.status === 'COMPLETED',
      { what: 'sent when the window opened', timeoutMs: LEAD_MS + 20_000 },
    );
    expect(done.counts.sent).toBe(2);
    const sent = await outbound();
    for (const a of [in1, in2]) expect([a, sent.get(a)! >= opensAt - CLOCKS_APART_MS]).toEqual([a, true]);
  });

  it("counts a deferred recipient's stall time from when its window opened, and checks its job once it opens", async () => {
    const draft = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: phones(1)[0] }] });
    const pool = t.app.get(PrismaService).pool;
    await pool.query(
      `UPDATE campaign SET status = 'RUNNING', started_at = now() - interval '3 hours',
         last_progress_at = now() - interval '3 hours' WHERE id = $1`,
      [draft.id],
    );
    const stalledWhen = async (notBefore: string): Promise<boolean> => {
      await pool.query(
        `UPDATE campaign_recipient SET status = 'QUEUED', not_before = now() + $2::interval WHERE campaign_id = $1`,
        [draft.id, notBefore],
      );
      const stalled = await t.app.get(DispatchRepository).stalledCampaigns(new Date(Date.now() - 30 * 60_000));
      return stalled.some((c) => c.id === draft.id);
    };
    try {
      // one at a time (each sets the row): waiting, opened a minute ago, opened an hour ago
      expect([await stalledWhen('1 hour'), await stalledWhen('-1 minute'), await stalledWhen('-1 hour')]).toEqual([
        false,
        false,
        true,
      ]);
      // the sweeper's routine check for lost jobs skips a row still waiting for its window (long untouched as it is),
      // and takes it once the window opened; a full check takes it anyway
      const [row] = await allRecipients(admin, draft.id);
      const checked = async (notBefore: string, olderThanMs: number): Promise<boolean> => {
        await pool.query(
          `UPDATE campaign_recipient SET not_before = now() + $2::interval, updated_at = now() - interval '1 hour'
           WHERE campaign_id = $1`,
          [draft.id, notBefore],
        );
        const rows = await t.app.get(DispatchRepository).staleInFlight(olderThanMs, 100_000);
        return rows.some((r) => r.id === row.id);
      };
      expect([
        await checked('1 hour', 120_000),
        await checked('-1 minute', 120_000),
        await checked('1 hour', 0),
      ]).toEqual([false, true, true]);
    } finally {
      await admin.post(`/api/v1/campaigns/${draft.id}/cancel`);
    }
  });

  it('sends an urgent campaign through quiet hours', async () => {
    windowOpensSoon();
    const [in1, in2] = indianPhones(2);
    const created = await createCampaign(admin, {
      channelId: sms.id,
      quietHours,
      ignoreQuietHours: true,
      start: true,
      recipients: [{ to: in1 }, { to: in2 }],
    });
    expect(created).toMatchObject({ quietHours, ignoreQuietHours: true });
    const done = await eventually(
      () => campaign(created.id),
      (c) => c.status === 'COMPLETED',
      { what: 'the urgent campaign sent', timeoutMs: LEAD_MS - 1000 },
    );
    expect(done.counts.sent).toBe(2);
    const sent = await outbound();
    for (const a of [in1, in2]) expect([a, sent.get(a)! < opensAt]).toEqual([a, true]);
  });

  it('takes recipients’ zones from a CSV column, rejecting a row with an unknown zone', async () => {
    const draft = await createCampaign(admin, {
      channelId: sms.id,
      quietHours: { start: '21:00', end: '08:00' },
      timeZone: 'America/Chicago',
    });
    const [a, b, c] = phones(3);
    const csv = `to,timeZone\n${a},Asia/Tokyo\n${b},Mars/Olympus_Mons\n${c},\n+80012345678,\n`;
    const upload = await admin.post<QuietCampaign>(`/api/v1/campaigns/${draft.id}/recipients`, csv, {
      'content-type': 'text/csv',
    });
    expect([upload.status, upload.body.intake]).toEqual([202, expect.objectContaining({ accepted: 3, rejected: 1 })]);
    const rows = await recipients(draft.id);
    expect(rows.map((r) => [r.address, r.timeZone]).sort()).toEqual(
      [
        [a, 'Asia/Tokyo'],
        [c, 'America/New_York'], // from the number (area code 202)
        ['+80012345678', 'America/Chicago'], // a number no zone is known for: the campaign's
      ].sort(),
    );
    const rejected = await admin.get(`/api/v1/campaigns/${draft.id}/rejected-rows`);
    expect(rejected.text).toContain('timeZone: ""Mars/Olympus_Mons"" is not an IANA time zone');
  });

  it('refuses quiet hours that are not HH:MM, that start where they end, and an unknown campaign zone', async () => {
    const bad = async (extra: Record<string, unknown>): Promise<[number, string[]]> => {
      const res = await admin.post<ErrorBody>('/api/v1/campaigns', {
        name: 'bad',
        channelId: sms.id,
        content: { type: 'TEXT', text: 'x' },
        ...extra,
      });
      return [res.status, (res.body.details ?? []).map((d) => `${d.field}: ${d.problems.join('; ')}`)];
    };
    expect(await bad({ quietHours: { start: '9:00', end: '24:00' } })).toEqual([
      400,
      [
        'quietHours.start: quietHours.start must be a time of day as HH:MM (00:00-23:59)',
        'quietHours.end: quietHours.end must be a time of day as HH:MM (00:00-23:59)',
      ],
    ]);
    expect(await bad({ quietHours: { start: '21:00', end: '21:00' } })).toEqual([
      400,
      ['quietHours.end: quietHours.end must differ from start'],
    ]);
    expect(await bad({ quietHours: '21:00-08:00' })).toEqual([400, [expect.stringContaining('quietHours') as string]]);
    expect(await bad({ timeZone: 'Mars/Olympus_Mons' })).toEqual([
      400,
      ['timeZone: timeZone must be an IANA time zone (e.g. America/New_York)'],
    ]);
    expect(await bad({ ignoreQuietHours: 'yes' })).toEqual([
      400,
      [expect.stringContaining('ignoreQuietHours') as string],
    ]);
  });
});
