import type { Job } from 'bullmq';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { JobName, QueueName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { WorkerManager } from '@/infra/queue/worker-manager';
import { startTestApp, TestApp } from '@test/helpers/app';

describe('queues and workers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('runs a job through the handler registered for its name (expired idempotency records are purged)', async () => {
    const prisma = t.app.get(PrismaService);
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

    const added = await t.app.get(QueueService).add(JobName.PurgeExpiredIdempotencyRecords, {});
    const returned = await new Promise((resolve) => {
      const onCompleted = (job: Job): void => {
        if (job.id !== added.id) return;
        worker.off('completed', onCompleted);
        resolve(job.returnvalue);
      };
      worker.on('completed', onCompleted);
    });

    // The hourly scheduler's first run may purge it first; either way the handler ran and only the live record is left.
    expect(returned).toEqual({ deleted: expect.any(Number) as number });
    expect((await prisma.idempotencyRecord.findMany()).map((r) => r.key)).toEqual(['new']);
  });

  it('schedules periodic jobs when the worker role starts', async () => {
    const schedulers = await t.app.get(QueueService).staticQueue(QueueName.Housekeeping).getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain('purge-idempotency-records');
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
