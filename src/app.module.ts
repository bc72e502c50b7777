import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@/config';
import { HealthModule } from '@/infra/health/health.module';
import { AllExceptionsFilter } from '@/infra/http/all-exceptions.filter';
import { LifecycleModule } from '@/infra/http/lifecycle.module';
import { IdempotencyModule } from '@/infra/idempotency/idempotency.module';
import { LoggingModule } from '@/infra/logging/logging.module';
import { MetricsModule } from '@/infra/metrics/metrics.module';
import { AuthModule } from '@/modules/auth/auth.module';
import { ConversationsModule } from '@/modules/conversations/conversations.module';
import { CxoneEventsModule } from '@/modules/cxone-events/cxone-events.module';
import { DispatchModule } from '@/modules/dispatch/dispatch.module';
import { ReconcileModule } from '@/modules/reconcile/reconcile.module';

/**
 * The whole application. Every role gets the same job handlers (so start-up invariants are checked everywhere); the
 * api role adds the admin/BYOC controllers (ApiModule), the worker role starts the queue workers (WorkerManager). Both
 * serve /health and /metrics. Config, logging and metrics are global; every other module imports what it uses.
 *
 * ApiModule is required only when the role serves the API: importing it at the top would load every controller, its
 * DTOs and their OpenAPI metadata into the worker as well, which serves none of them.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        MetricsModule.forRoot(config),
        LifecycleModule,
        HealthModule,
        IdempotencyModule,
        AuthModule,
        DispatchModule,
        ConversationsModule,
        CxoneEventsModule,
        ReconcileModule,
        ...(config.app.runsApi ? [apiModule()] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}

function apiModule(): Type {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, see AppModule
  return (require('./api.module') as typeof import('./api.module')).ApiModule; // relative: see setupDocs in bootstrap.ts
}
