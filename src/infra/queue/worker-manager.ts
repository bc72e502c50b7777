import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError, Worker, WorkerOptions } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '@/config';
import { TraceContext } from '@/infra/logging/trace-context';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { RedisService } from '@/infra/redis/redis.service';
import { JobRegistry } from './job-registry';
import { QUEUE_WORKER_OPTIONS, QueueName } from './queue.constants';

/**
 * Runs the consumers in the worker role: one BullMQ Worker per static queue at start-up, plus the run-time queues
 * other modules ask for (one per CXone account). Each job runs inside its trace, through the handler the JobRegistry
 * found for its name. On shutdown, workers stop taking jobs and active jobs get until the deadline to finish; jobs
 * still running after it are left to BullMQ's stall check, which puts them back on the queue.
 */
/** How long BullMQ gets to close its connections once no job is running any more. */
const CLOSE_GRACE_MS = 2000;

@Injectable()
export class WorkerManager implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerManager.name);
  private readonly workers = new Map<string, Worker>();
  private stopping = false;
  /** Job handlers running in this process right now. */
  private running = 0;
  private readonly drainWaiters: Array<() => void> = [];
  private readonly jobDuration;
  private readonly jobsFinished;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly registry: JobRegistry,
    metrics: MetricsService,
  ) {
    this.jobDuration = metrics.histogram({
      name: 'threadline_job_duration_seconds',
      help: 'Time spent running a job handler',
      labelNames: ['queue', 'job'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.jobsFinished = metrics.counter({
      name: 'threadline_jobs_total',
      help: 'Jobs finished, by outcome (completed, failed)',
      labelNames: ['queue', 'job', 'outcome'],
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.app.runsWorker) return;
    for (const queue of Object.values(QueueName)) this.start(queue, QUEUE_WORKER_OPTIONS[queue]);
  }

  /** Starts (once) a worker for `queueName`. Returns the running worker. */
  start(queueName: string, options: Partial<WorkerOptions> & { concurrency: number }): Worker {
    const existing = this.workers.get(queueName);
    if (existing) return existing;
    if (this.stopping) throw new Error(`cannot start a worker for ${queueName} while shutting down`);
    const worker = new Worker(queueName, (job, token) => this.run(queueName, job, token), {
      connection: this.redis.bullConnection(),
      prefix: this.redis.queuePrefix(queueName),
      ...options,
    });
    // One line per outage, not one per reconnect attempt (and never a raw stack trace on stdout).
    worker.on('error', (err) => this.redis.reportError(`worker ${queueName}`, err));
    worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        this.logger.warn({ jobId: job.id, job: job.name, err: err.message }, `job failed for good`);
      }
    });
    this.workers.set(queueName, worker);
    this.logger.log(`worker started for queue ${queueName} (concurrency ${options.concurrency})`);
    return worker;
  }

  worker(queueName: string): Worker | undefined {
    return this.workers.get(queueName);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.workers.size === 0) return;
    const deadlineMs = Math.max(1000, this.config.app.shutdownTimeoutMs - 3000);
    const workers = [...this.workers.values()];
    this.logger.log(`stopping ${workers.length} workers; active jobs have ${deadlineMs} ms to finish`);
    const closed = Promise.all(workers.map((w) => w.close())).then(() => 'closed' as const);
    // BullMQ's close can hang on a connection that is still reconnecting (SIGTERM during a Redis outage) even after
    // every job finished; our own count of running jobs decides how long shutdown waits.
    const drained = this.drained().then(() => sleep(CLOSE_GRACE_MS, 'drained' as const, { ref: false }));
    const outcome = await Promise.race([closed, drained, sleep(deadlineMs, 'deadline' as const, { ref: false })]);
    if (outcome === 'closed') return;
    if (outcome === 'deadline') {
      this.logger.warn('shutdown deadline reached; jobs still running will be retried after their lock expires');
    } else {
      this.logger.warn(
        'queue workers did not close cleanly after their jobs finished (Redis unreachable?): disconnecting',
      );
    }
    await Promise.race([
      Promise.allSettled(workers.map((w) => w.disconnect())),
      sleep(CLOSE_GRACE_MS, undefined, { ref: false }),
    ]);
  }

  /** Resolves when no job handler of this process is running. */
  private drained(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private async run(queueName: string, job: Job, token?: string): Promise<unknown> {
    const handler = this.registry.get(job.name);
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
    const traceId = (job.data as { traceId?: string } | undefined)?.traceId ?? `job-${job.id ?? 'unknown'}`;
    return TraceContext.run({ traceId }, async () => {
      const stop = this.jobDuration.startTimer({ queue: queueName, job: job.name });
      this.running++;
      try {
        const result = await handler.fn(job, token);
        this.jobsFinished.inc({ queue: queueName, job: job.name, outcome: 'completed' });
        return result;
      } catch (err) {
        this.jobsFinished.inc({ queue: queueName, job: job.name, outcome: 'failed' });
        throw err;
      } finally {
        stop();
        if (--this.running === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
      }
    });
  }
}
