import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { IdempotencyPurgeProcessor } from './idempotency-purge.processor';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';

@Module({
  imports: [PrismaModule],
  providers: [
    IdempotencyRepository,
    IdempotencyPurgeProcessor,
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class IdempotencyModule {}
