import { Module } from '@nestjs/common';
import { AppConfig } from '@/config';
import { LifecycleModule } from '@/infra/http/lifecycle.module';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { QueueModule } from '@/infra/queue/queue.module';
import { RateLimitModule } from '@/infra/rate-limit/rate-limit.module';
import { RedisModule } from '@/infra/redis/redis.module';
import { RedisService } from '@/infra/redis/redis.service';
import { Clock } from '@/infra/time/clock';
import { TimeModule } from '@/infra/time/time.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ContactsModule } from '@/modules/contacts/contacts.module';
import { ThreadsModule } from '@/modules/threads/threads.module';
import { AccountRateLimiter } from './account-limiter';
import { AdaptiveMargin } from './adaptive-margin';
import { CampaignStatusCache } from './campaign-status-cache';
import { CompletionChecker } from './completion-checker';
import { DispatchMetrics } from './dispatch.metrics';
import { DispatchProcessor } from './dispatch.processor';
import { DispatchRepository } from './dispatch.repository';
import { DispatchService } from './dispatch.service';
import { DispatchWatchdog } from './dispatch-watchdog';
import { DispatchWorkers } from './dispatch-workers';
import { ProgressService } from './progress.service';
import { RecipientLedger } from './recipient-ledger';
import { RetryPolicy } from './retry-policy';
import { SendGate } from './send-gate';
import { SendTargets } from './send-targets';
import { SenderService } from './sender.service';
import { SweeperService } from './sweeper.service';

/**
 * Where alerts are sent: queueing a campaign's recipients, the send pipeline (claim → gate → rate slot → CXone →
 * record), retries, the sweeper, completion, stall detection and dispatch metrics.
 */
@Module({
  imports: [
    LifecycleModule,
    PrismaModule,
    RedisModule,
    QueueModule,
    RateLimitModule,
    TimeModule,
    CxoneModule,
    AccountsModule,
    ChannelsModule,
    ContactsModule,
    ThreadsModule,
  ],
  providers: [
    DispatchRepository,
    DispatchService,
    DispatchWorkers,
    DispatchMetrics,
    DispatchProcessor,
    DispatchWatchdog,
    SenderService,
    SendGate,
    CampaignStatusCache,
    SendTargets,
    AccountRateLimiter,
    {
      provide: AdaptiveMargin,
      inject: [RedisService, AppConfig, Clock, DispatchMetrics],
      useFactory: (redis: RedisService, config: AppConfig, clock: Clock, metrics: DispatchMetrics) =>
        AdaptiveMargin.create(redis, config, clock, metrics),
    },
    RecipientLedger,
    { provide: RetryPolicy, inject: [AppConfig], useFactory: (config: AppConfig) => new RetryPolicy(config) },
    SweeperService,
    ProgressService,
    CompletionChecker,
  ],
  exports: [DispatchService, ProgressService, DispatchWatchdog, AccountRateLimiter],
})
export class DispatchModule {}
