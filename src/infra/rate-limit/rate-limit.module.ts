import { Module } from '@nestjs/common';
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
      useFactory: (redis: RedisService) => new RedisRateLimiter(redis.client, redis.prefix),
    },
  ],
  exports: [RedisRateLimiter, AuthFailureThrottle],
})
export class RateLimitModule {}
