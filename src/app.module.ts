import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiModule } from '@/api.module';
import { AppConfig, ConfigModule } from '@/config';
import { HealthModule } from '@/infra/health/health.module';
import { AllExceptionsFilter } from '@/infra/http/all-exceptions.filter';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { IdempotencyModule } from '@/infra/idempotency/idempotency.module';
import { LoggingModule } from '@/infra/logging/logging.module';
import { MetricsModule } from '@/infra/metrics/metrics.module';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { QueueModule } from '@/infra/queue/queue.module';
import { RateLimitModule } from '@/infra/rate-limit/rate-limit.module';
import { RedisModule } from '@/infra/redis/redis.module';
import { CryptoModule } from '@/infra/crypto/crypto.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AuthModule } from '@/modules/auth/auth.module';
import { CampaignsModule } from '@/modules/campaigns/campaigns.module';

@Global()
@Module({ providers: [LifecycleService], exports: [LifecycleService] })
class LifecycleModule {}

/**
 * The whole application. Every role gets the same providers (so start-up invariants are checked everywhere); the
 * api role adds the admin/BYOC controllers, the worker role starts the queue workers (WorkerManager). Both serve
 * /health and /metrics.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LifecycleModule,
        LoggingModule,
        MetricsModule.forRoot(config),
        PrismaModule,
        RedisModule,
        QueueModule,
        RateLimitModule,
        HealthModule,
        IdempotencyModule,
        CryptoModule,
        CxoneModule,
        AuthModule,
        CampaignsModule,
        ...(config.app.runsApi ? [ApiModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
