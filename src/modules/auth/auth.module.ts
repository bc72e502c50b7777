import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { RateLimitModule } from '@/infra/rate-limit/rate-limit.module';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { RouteAuthCheck } from './route-auth.check';

@Module({
  imports: [PrismaModule, RateLimitModule, PassportModule, DiscoveryModule],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    ApiKeyStrategy,
    RouteAuthCheck,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  // RateLimitModule: the AuthFailureThrottle the api-keys controller (declared in ApiModule) uses for the bootstrap.
  exports: [ApiKeysService, RateLimitModule],
})
export class AuthModule {}
