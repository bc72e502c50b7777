import { SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { JobName, JobPayloads } from './queue.constants';

export const JOB_HANDLER_METADATA = 'threadline:job-handler';

/** A typed BullMQ job for job name N. */
export type JobOf<N extends JobName> = Job<JobPayloads[N], unknown, N>;

/**
 * Marks a provider method as the handler of one job name. The JobRegistry refuses to start the application unless
 * every JobName has exactly one handler.
 */
export const JobHandler = (name: JobName): MethodDecorator => SetMetadata(JOB_HANDLER_METADATA, name);
