import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisModule } from '@/infra/redis/redis.module';
import { RedisService } from '@/infra/redis/redis.service';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { RedisRateLimiter } from './rate-limiter';

@Module({
  imports: [RedisModule],
  providers: [
    AuthFailureThrottle,
    {
      provide: RedisRateLimiter,
      inject: [RedisService],
      // The limiter takes a `Redis`; a cluster client (REDIS_CLUSTER_NODES) takes the same commands and scripts, and
      // the limiter's keys of one limit share a hash tag, so it works on either.
      useFactory: (redis: RedisService) => new RedisRateLimiter(redis.client as Redis, redis.prefix),
    },
  ],
  exports: [RedisRateLimiter, AuthFailureThrottle],
})
export class RateLimitModule {}
