import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RedisModule } from '@/infra/redis/redis.module';
import { RedisService } from '@/infra/redis/redis.service';
import { QueueKeeper } from './queue-keeper';
import { JobRegistry } from './job-registry';
import { QueueName } from './queue.constants';
import { QueueService } from './queue.service';
import { WorkerManager } from './worker-manager';

@Module({
  imports: [
    DiscoveryModule,
    RedisModule,
    BullModule.forRootAsync({
      imports: [RedisModule],
      inject: [RedisService],
      useFactory: (redis: RedisService) => ({ connection: redis.bullConnection(), prefix: redis.prefix }),
    }),
    BullModule.registerQueueAsync(
      ...Object.values(QueueName).map((name) => ({
        name,
        imports: [RedisModule],
        inject: [RedisService],
        useFactory: (redis: RedisService) => ({ prefix: redis.queuePrefix(name) }),
      })),
    ),
  ],
  providers: [JobRegistry, QueueService, WorkerManager, QueueKeeper],
  exports: [QueueService, WorkerManager, QueueKeeper],
})
export class QueueModule {}
