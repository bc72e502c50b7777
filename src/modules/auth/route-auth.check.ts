import { Injectable, OnModuleInit } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { API_KEY_STRATEGY } from './api-key.strategy';
import { AUTH_STRATEGY, IS_PUBLIC, REQUIRED_SCOPES } from '@/infra/auth/auth.decorators';

/**
 * Start-up invariant: every route says who may call it. A route is @Public(), or uses another @AuthStrategy, or
 * names the admin scopes it needs. A route that says nothing would be open to any valid key; the app refuses to boot.
 */
@Injectable()
export class RouteAuthCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const problems: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance) continue;
      const controller = instance.constructor as new (...args: unknown[]) => unknown;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const handler = instance[method] as (...args: unknown[]) => unknown;
        if (this.reflector.get<string | undefined>(PATH_METADATA, handler) === undefined) continue;
        const targets = [handler, controller];
        const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets);
        const strategy =
          this.reflector.getAllAndOverride<string | undefined>(AUTH_STRATEGY, targets) ?? API_KEY_STRATEGY;
        const scopes = this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, targets);
        if (!isPublic && strategy === API_KEY_STRATEGY && scopes.length === 0)
          problems.push(`${controller.name}.${method}`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`Routes without @Public(), @AuthStrategy() or @RequireScopes(): ${problems.join(', ')}`);
    }
  }
}
