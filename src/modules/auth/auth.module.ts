import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { RouteAuthCheck } from './route-auth.check';

@Module({
  imports: [PrismaModule, PassportModule, DiscoveryModule],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    ApiKeyStrategy,
    RouteAuthCheck,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeysService],
})
export class AuthModule {}
