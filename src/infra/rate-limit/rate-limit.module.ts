import { Global, Module } from '@nestjs/common';
import { RedisService } from '@/infra/redis/redis.service';
import { RedisRateLimiter } from './rate-limiter';

@Global()
@Module({
  providers: [
    {
      provide: RedisRateLimiter,
      inject: [RedisService],
      useFactory: (redis: RedisService) => new RedisRateLimiter(redis.client, redis.prefix),
    },
  ],
  exports: [RedisRateLimiter],
})
export class RateLimitModule {}
