import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '@/config';
import { RateLimitModule } from '@/infra/rate-limit/rate-limit.module';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics.server';
import { MetricsService } from './metrics.service';

/** The metrics registry for every module, and /metrics: on the main port, or on METRICS_PORT when that is set. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MetricsModule,
      imports: [RateLimitModule], // the AuthFailureThrottle for METRICS_TOKEN
      providers: [MetricsService, MetricsServer],
      controllers: config.metrics.port === undefined ? [MetricsController] : [],
      exports: [MetricsService],
    };
  }
}
