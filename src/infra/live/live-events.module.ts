import { Module } from '@nestjs/common';
import { RedisModule } from '@/infra/redis/redis.module';
import { LiveEvents } from './live-events';

@Module({ imports: [RedisModule], providers: [LiveEvents], exports: [LiveEvents] })
export class LiveEventsModule {}
