import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { RouteAuthCheck } from './route-auth.check';

@Module({})
export class AuthModule {
  static register(options: { http: boolean }): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule, DiscoveryModule],
      providers: [
        ApiKeysRepository,
        ApiKeysService,
        ApiKeyStrategy,
        RouteAuthCheck,
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      controllers: options.http ? [ApiKeysController] : [],
      exports: [ApiKeysService],
    };
  }
}
