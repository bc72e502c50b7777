import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RedisService } from '@/infra/redis/redis.service';
import { JobRegistry } from './job-registry';
import { QueueName } from './queue.constants';
import { QueueService } from './queue.service';
import { WorkerManager } from './worker-manager';

@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [RedisService],
      useFactory: (redis: RedisService) => ({ connection: redis.bullConnectionOptions(), prefix: redis.prefix }),
    }),
    BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
  ],
  providers: [JobRegistry, QueueService, WorkerManager],
  exports: [QueueService, WorkerManager, BullModule],
})
export class QueueModule {}
