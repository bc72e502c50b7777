import type { Job } from 'bullmq';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { dispatchQueueName, JobName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { WorkerManager } from '@/infra/queue/worker-manager';
import { DispatchService } from '@/modules/dispatch/dispatch.service';
import { SweeperService } from '@/modules/dispatch/sweeper.service';
import {
  allRecipients,
  Channel,
  createCampaign,
  phones,
  registerChannel,
  waitForCampaign,
} from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import type { HttpClient } from '@test/helpers/http';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

interface SimRequest {
  status: number | null;
  at: number;
  body?: { idOnExternalPlatform?: string; recipients?: Array<{ idOnExternalPlatform: string }> };
}

type BatchJob = Job<{ recipients: Array<{ recipientId: string; generation: number }> }>;

/**
 * First tries go out DISPATCH_BATCH_SIZE to a queue job (the queue's bookkeeping paid once per batch), each recipient
 * still claimed, checked, paced and recorded on its own; a recipient that must wait on its own leaves its batch, and
 * the sweeper finds a batch's rows by their batch's job.
 */
describe('send batches', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let admin: HttpClient;
  let sms: Channel;

  const outbound = async (): Promise<SimRequest[]> =>
    (await sim.control.get<SimRequest[]>('/sim/requests?operation=outbound')).body;
  const queue = () => t.app.get(QueueService).dynamicQueue(dispatchQueueName(sms.accountId));
  const rowsOf = (campaignId: string) =>
    t.app.get(PrismaService).campaignRecipient.findMany({ where: { campaignId }, orderBy: { seq: 'asc' } });

  beforeAll(async () => {
    sim = await startSimulator({ SIMULATOR_OUTBOUND_RATE_PER_SECOND: '1000' });
    t = await startTestApp({
      ...sim.appEnv,
      DISPATCH_CONCURRENCY: '10',
      DISPATCH_BATCH_SIZE: '4',
      SWEEPER_INTERVAL_MS: '600000',
      DISPATCH_RETRY_BASE_MS: '400',
    });
    admin = await t.clientWithScopes('admin');
    sms = await registerChannel(admin, 'sms_threadline_dev');
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });
  beforeEach(async () => {
    await sim.control.post('/sim/reset');
    await sim.control.patch('/sim/config', { outboundRatePerSecond: 1000 });
  });

  it('sends first tries up to four to a job, dealt so that the jobs running together keep the order given', async () => {
    const to = phones(10);
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: to.map((p) => ({ to: p })),
    });

    const done = await waitForCampaign(admin, campaign.id);

    expect(done.counts).toMatchObject({ total: 10, sent: 10 });
    const ok = (await outbound()).filter((r) => r.status === 200);
    expect(ok.map((r) => r.body?.recipients?.[0]?.idOnExternalPlatform).sort()).toEqual([...to].sort());
    // ten recipients make three jobs of up to four, dealt like cards: side by side, they send rows 0-2, then 3-5, …
    const rows = await rowsOf(campaign.id);
    const idOf = new Map(rows.map((r) => [r.id, r.address]));
    const jobs = ((await queue().getJobs(['completed'])) as BatchJob[]).filter((j) =>
      j.data.recipients?.some((r) => idOf.has(r.recipientId)),
    );
    expect(jobs.filter((j) => j.name !== (JobName.SendBatch as string)).map((j) => [j.id, j.name])).toEqual([]);
    const batches = jobs
      .map((j) => j.data.recipients.map((r) => idOf.get(r.recipientId)))
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(batches).toEqual([
      [to[0], to[3], to[6], to[9]],
      [to[1], to[4], to[7]],
      [to[2], to[5], to[8]],
    ]);
    const order = ok.sort((a, b) => a.at - b.at).map((r) => to.indexOf(r.body!.recipients![0].idOnExternalPlatform));
    const displaced = order.map((given, sent) => ({ given, sent })).filter((r) => Math.abs(r.given - r.sent) > 3);
    expect(displaced).toEqual([]);
  });

  it('lets a recipient whose send failed wait for its retry in a job of its own, while its batch goes on', async () => {
    await sim.control.post('/sim/faults', { kind: '5xx', count: 1, operation: 'outbound' });
    const to = phones(4);
    const campaign = await createCampaign(admin, {
      channelId: sms.id,
      start: true,
      recipients: to.map((p) => ({ to: p })),
    });

    const done = await waitForCampaign(admin, campaign.id);

    expect(done.counts).toMatchObject({ total: 4, sent: 4, failed: 0 });
    // (a 401 is the cached CXone token the simulator's reset revoked, renewed at once)
    const requests = (await outbound()).filter((r) => r.status !== 401).sort((a, b) => a.at - b.at);
    const [failure] = requests.filter((r) => r.status !== 200);
    const failedTo = failure?.body?.recipients?.[0]?.idOnExternalPlatform;
    expect(failedTo).toBe(to[0]);
    // the other three went out before the failed one's retry (its backoff is 200-400 ms)
    expect(requests.map((r) => `${r.body?.recipients?.[0]?.idOnExternalPlatform} ${r.status}`)).toEqual([
      `${to[0]} 500`,
      `${to[1]} 200`,
      `${to[2]} 200`,
      `${to[3]} 200`,
      `${to[0]} 200`,
    ]);
    const rows = await rowsOf(campaign.id);
    const retried = rows.find((r) => r.address === to[0]);
    // it left the batch: a job of its own, in the generation after the batch's
    expect({ sendBatch: retried?.sendBatch, generation: retried?.generation, attempts: retried?.attempts }).toEqual({
      sendBatch: null,
      generation: 2,
      attempts: 2,
    });
    expect(await queue().getJobState(`r-${retried?.id}-2`)).toBe('completed');
  });

  it('leaves a batch whose job is waiting alone in a sweep, and re-adds a lost batch row by row', async () => {
    const worker = t.app.get(WorkerManager).worker(dispatchQueueName(sms.accountId));
    await worker?.pause();
    try {
      const to = phones(6);
      const campaign = await createCampaign(admin, {
        channelId: sms.id,
        start: true,
        recipients: to.map((p) => ({ to: p })),
      });
      await eventually(async () =>
        expect(
          (await rowsOf(campaign.id)).filter((r) => r.status !== 'QUEUED').map((r) => [r.address, r.status]),
        ).toEqual([]),
      );
      const prisma = t.app.get(PrismaService);
      const age = () =>
        prisma.campaignRecipient.updateMany({
          where: { campaignId: campaign.id },
          data: { updatedAt: new Date(Date.now() - 10 * 60_000) },
        });

      // Both batch jobs wait in Redis: nothing to repair.
      await age();
      expect(await t.app.get(SweeperService).sweep()).toMatchObject({ readded: 0, requeued: 0 });

      // Redis lost the first batch's job (rows 0, 2 and 4): they come back as jobs of their own, in a new
      // generation; the other batch is left alone.
      const before = await rowsOf(campaign.id);
      const head = before[0];
      expect(before.map((r) => r.sendBatch === head.id)).toEqual([true, false, true, false, true, false]);
      await queue().remove(`b-${head.id}-${head.generation}`);
      await age();
      expect(await t.app.get(SweeperService).sweep()).toMatchObject({ readded: 3, requeued: 0 });
      const after = await rowsOf(campaign.id);
      expect(after.map((r) => [r.address, r.sendBatch, r.generation])).toEqual(
        before.map((r, i) => [r.address, i % 2 ? r.sendBatch : null, i % 2 ? r.generation : r.generation + 1]),
      );

      await worker?.resume();
      const done = await waitForCampaign(admin, campaign.id);
      expect(done.counts).toMatchObject({ total: 6, sent: 6 });
      const ok = (await outbound()).filter((r) => r.status === 200);
      expect(ok.map((r) => r.body?.recipients?.[0]?.idOnExternalPlatform).sort()).toEqual([...to].sort());
      expect((await allRecipients(admin, campaign.id)).filter((r) => r.attempts !== 1)).toEqual([]);
    } finally {
      await worker?.resume();
    }
  });

  it('queues retries and deferred recipients as jobs of their own', async () => {
    const campaign = await createCampaign(admin, { channelId: sms.id, recipients: phones(3).map((to) => ({ to })) });
    const prisma = t.app.get(PrismaService);
    const worker = t.app.get(WorkerManager).worker(dispatchQueueName(sms.accountId));
    await worker?.pause();
    try {
      const [retry, deferred] = await rowsOf(campaign.id);
      await prisma.campaignRecipient.update({ where: { id: retry.id }, data: { attempts: 1 } });
      await prisma.campaignRecipient.update({
        where: { id: deferred.id },
        data: { notBefore: new Date(Date.now() - 1000) },
      });
      await prisma.campaign.update({ where: { id: campaign.id }, data: { status: 'RUNNING' } });

      await t.app.get(DispatchService).dispatchCampaign(campaign.id);

      const rows = await rowsOf(campaign.id);
      expect(rows.map((r) => r.sendBatch)).toEqual([null, null, rows[2].id]);
    } finally {
      await worker?.resume();
    }
    expect((await waitForCampaign(admin, campaign.id)).counts).toMatchObject({ total: 3, sent: 3 });
  });
});
