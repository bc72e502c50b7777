import type { Job } from 'bullmq';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { JobName, QueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { QueueKeeper } from '@/infra/queue/queue-keeper';
import { WorkerManager } from '@/infra/queue/worker-manager';
import { startTestApp, TestApp } from '@test/helpers/app';
import { eventually } from '@test/helpers/eventually';
import { deleteKeys, testRedis } from '@test/helpers/redis';

describe('queues and workers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('runs a job through the handler registered for its name (expired idempotency records are purged)', async () => {
    const prisma = t.app.get(PrismaService);
    const queue = t.app.get(QueueService).staticQueue(QueueName.Housekeeping);
    // the hourly scheduler's first run (at start-up) is over before the records exist, so only our job can purge
    await eventually(
      () => queue.getJobCounts('waiting', 'active', 'completed'),
      (c) => c.waiting + c.active === 0 && c.completed >= 1,
      { what: "the scheduler's first purge to finish" },
    );
    const key = await prisma.apiKey.create({ data: { name: 'k', prefix: 'tl_x', keyHash: 'h1', scopes: ['admin'] } });
    const past = new Date(Date.now() - 1000);
    const future = new Date(Date.now() + 3600_000);
    await prisma.idempotencyRecord.createMany({
      data: [
        {
          apiKeyId: key.id,
          key: 'old',
          method: 'POST',
          path: '/x',
          requestHash: 'a',
          statusCode: 201,
          responseBody: {},
          expiresAt: past,
        },
        {
          apiKeyId: key.id,
          key: 'new',
          method: 'POST',
          path: '/x',
          requestHash: 'b',
          statusCode: 201,
          responseBody: {},
          expiresAt: future,
        },
      ],
    });
    const worker = t.app.get(WorkerManager).worker(QueueName.Housekeeping)!;

    // listening before the job exists, so its completion cannot be missed
    const added: { id?: string } = {};
    const completed: Array<{ id: string | undefined; returned: unknown }> = [];
    const returned = new Promise((resolve) => {
      const onCompleted = (job: Job): void => {
        completed.push({ id: job.id, returned: job.returnvalue });
        if (added.id === undefined || job.id !== added.id) return;
        worker.off('completed', onCompleted);
        resolve(job.returnvalue);
      };
      worker.on('completed', onCompleted);
    });
    added.id = (await t.app.get(QueueService).add(JobName.PurgeExpiredIdempotencyRecords, {})).id;

    expect(await returned).toEqual({ deleted: 1 });
    expect(completed.map((c) => c.id)).toEqual([added.id]);
    expect((await prisma.idempotencyRecord.findMany()).map((r) => r.key)).toEqual(['new']);
  });

  it('schedules periodic jobs when the worker role starts', async () => {
    const schedulers = await t.app.get(QueueService).staticQueue(QueueName.Housekeeping).getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain('purge-idempotency-records');
  });

  it('re-creates a job scheduler that went missing from Redis, from this process alone', async () => {
    const queue = t.app.get(QueueService).staticQueue(QueueName.Campaigns);
    await queue.removeJobScheduler('sweep-campaigns');
    expect(await queue.getJobScheduler('sweep-campaigns')).toBeUndefined();

    await t.app.get(QueueKeeper).check();

    expect(await queue.getJobScheduler('sweep-campaigns')).toMatchObject({ key: 'sweep-campaigns' });
  });

  it('tells the owners of lost jobs when Redis comes back empty, and only then', async () => {
    const keeper = t.app.get(QueueKeeper);
    let resets = 0;
    const subscription = keeper.resets$.subscribe(() => resets++);
    try {
      await keeper.check();
      expect(resets).toBe(0);
      // what a restart without persistence leaves: none of our keys, the epoch among them
      const redis = testRedis();
      await deleteKeys(redis, t.config.redis.prefix);
      redis.disconnect();
      await keeper.check();
      expect(resets).toBe(1);
      await keeper.check();
      expect(resets).toBe(1);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('the api role', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => t.close());

  it('starts no workers', () => {
    expect(t.app.get(WorkerManager).worker(QueueName.Housekeeping)).toBeUndefined();
  });
});
