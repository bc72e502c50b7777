import { Module } from '@nestjs/common';
import { AppConfig } from '@/config';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { RedisModule } from '@/infra/redis/redis.module';
import { RedisService } from '@/infra/redis/redis.service';
import { CxoneClient } from './cxone.client';
import { CxoneHttp } from './cxone-http';
import { HttpCxoneClient } from './http-cxone.client';
import { CxoneTokenManager } from './token-manager';

@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: CxoneHttp,
      inject: [AppConfig, MetricsService],
      useFactory: (c: AppConfig, m: MetricsService) => new CxoneHttp(c.cxone.timeoutMs, m),
    },
    {
      provide: CxoneTokenManager,
      inject: [RedisService, CxoneHttp],
      useFactory: (redis: RedisService, http: CxoneHttp) => new CxoneTokenManager(redis.client, redis.prefix, http),
    },
    {
      provide: CxoneClient,
      inject: [CxoneHttp, CxoneTokenManager, AppConfig],
      useFactory: (http: CxoneHttp, tokens: CxoneTokenManager, config: AppConfig) =>
        new HttpCxoneClient(http, tokens, {
          recipientsField: config.cxone.recipientsField,
          sendMessageId: config.cxone.sendMessageId,
        }),
    },
  ],
  exports: [CxoneClient, CxoneTokenManager],
})
export class CxoneModule {}
