import { Injectable, Logger } from '@nestjs/common';
import { JobHandler } from '@/infra/queue/job-handler.decorator';
import { JobName } from '@/infra/queue/queue.constants';
import { IdempotencyRepository } from './idempotency.repository';

@Injectable()
export class IdempotencyPurgeProcessor {
  private readonly logger = new Logger(IdempotencyPurgeProcessor.name);

  constructor(private readonly repository: IdempotencyRepository) {}

  @JobHandler(JobName.PurgeExpiredIdempotencyRecords)
  async purge(): Promise<{ deleted: number }> {
    const deleted = await this.repository.purgeExpired(new Date());
    if (deleted > 0) this.logger.log(`purged ${deleted} expired idempotency records`);
    return { deleted };
  }
}
