import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from '@/infra/http/lifecycle.module';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { RedisModule } from '@/infra/redis/redis.module';
import { HealthController } from './health.controller';
import { HealthRepository } from './health.repository';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), PrismaModule, RedisModule, LifecycleModule],
  providers: [HealthRepository],
  controllers: [HealthController],
})
export class HealthModule {}
