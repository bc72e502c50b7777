/**
 * Every queue, job name and job payload in one place. Payloads carry ids, never message bodies or secrets: the worker
 * reads the rest from PostgreSQL, which stays the source of truth.
 */

export enum QueueName {
  /** Periodic clean-up: expired idempotency records and the like. */
  Housekeeping = 'housekeeping',
}

export enum JobName {
  PurgeExpiredIdempotencyRecords = 'housekeeping.purge-idempotency-records',
}

/** Fields every payload may carry so logs of a job can be joined with the request that caused it. */
export interface TracedPayload {
  traceId?: string;
}

export interface JobPayloads {
  [JobName.PurgeExpiredIdempotencyRecords]: TracedPayload;
}

/** The queue each job runs on. */
export const JOB_QUEUE: { readonly [N in JobName]: QueueName } = {
  [JobName.PurgeExpiredIdempotencyRecords]: QueueName.Housekeeping,
};

/** Worker settings per static queue. */
export const QUEUE_WORKER_OPTIONS: { readonly [Q in QueueName]: { concurrency: number } } = {
  [QueueName.Housekeeping]: { concurrency: 1 },
};

/** Periodic jobs (BullMQ job schedulers), upserted by the worker role at start-up. */
export const JOB_SCHEDULES: ReadonlyArray<{ id: string; name: JobName; everyMs: number }> = [
  { id: 'purge-idempotency-records', name: JobName.PurgeExpiredIdempotencyRecords, everyMs: 60 * 60 * 1000 },
];

/** Finished jobs are kept briefly for inspection; PostgreSQL holds the lasting record. */
export const DEFAULT_JOB_OPTIONS = {
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;
