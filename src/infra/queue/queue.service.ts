import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, JobsOptions, Queue } from 'bullmq';
import { RedisService } from '@/infra/redis/redis.service';
import { TraceContext } from '@/infra/logging/trace-context';
import { DEFAULT_JOB_OPTIONS, DISPATCH_QUEUE, JOB_QUEUE, JobName, JobPayloads, QueueName } from './queue.constants';

type PayloadInput<N extends JobName> = Omit<JobPayloads[N], 'traceId'>;

/**
 * Producer side of every queue. Static queues come from @nestjs/bullmq; queues created at run time (one per CXone
 * account) are created here on first use. The current trace id is added to every payload.
 */
@Injectable()
export class QueueService implements OnApplicationShutdown {
  private readonly dynamicQueues = new Map<string, Queue>();
  private readonly watched = new WeakSet<Queue>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly redis: RedisService,
  ) {}

  /** Adds a job to the static queue its name belongs to. */
  add<N extends JobName>(name: N, payload: PayloadInput<N>, options: JobsOptions = {}): Promise<Job> {
    const queue = JOB_QUEUE[name];
    if (queue === DISPATCH_QUEUE) throw new Error(`${name} runs on an account's dispatch queue: use addBulk`);
    return this.staticQueue(queue).add(name, this.traced(payload), { ...DEFAULT_JOB_OPTIONS, ...options });
  }

  /** Adds jobs in one pipeline to `queue` (static or run-time). Not atomic: use deterministic job ids. */
  async addBulk<N extends JobName>(
    queue: Queue,
    name: N,
    jobs: Array<{ payload: PayloadInput<N>; options?: JobsOptions }>,
  ): Promise<void> {
    if (jobs.length === 0) return;
    await queue.addBulk(
      jobs.map((j) => ({ name, data: this.traced(j.payload), opts: { ...DEFAULT_JOB_OPTIONS, ...j.options } })),
    );
  }

  staticQueue(name: QueueName): Queue {
    const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
    this.watch(name, queue);
    return queue;
  }

  /** A queue created at run time (e.g. `dispatch-<accountId>`), shared by every caller in this process. */
  dynamicQueue(name: string): Queue {
    let queue = this.dynamicQueues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis.bullConnection(), prefix: this.redis.queuePrefix(name) });
      this.watch(name, queue);
      this.dynamicQueues.set(name, queue);
    }
    return queue;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.dynamicQueues.values()].map((q) => q.close()));
  }

  /** A queue's connection errors go to the log as one line per outage (unwatched, ioredis prints raw stack traces). */
  private watch(name: string, queue: Queue): void {
    if (this.watched.has(queue)) return;
    this.watched.add(queue);
    queue.on('error', (err: Error) => this.redis.reportError(`queue ${name}`, err));
  }

  private traced<T extends object>(payload: T): T & { traceId: string } {
    return { ...payload, traceId: TraceContext.traceIdOrNew() };
  }
}
