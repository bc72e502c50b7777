import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@/config';
import { AgentService } from './agent/agent.service';
import { ByocDelivery } from './agent/byoc-delivery';
import { MiddlewareClient } from './agent/middleware-client';
import { AuthController } from './auth/auth.controller';
import { SimAuthService } from './auth/auth.service';
import { DfoAuthGuard } from './auth/dfo-auth.guard';
import { SimClock } from './common/clock';
import { SimulatorExceptionFilter } from './common/sim-exception.filter';
import { NativeOptOut } from './consent/native-opt-out';
import { AdminController, InspectionController, PeopleController } from './control/control.controller';
import { ControlGuard } from './control/control.guard';
import { NoNulBytesGuard } from './control/nul-bytes';
import { ControlService } from './control/control.service';
import { HealthController } from './control/health.controller';
import { ChannelsController } from './dfo/channels.controller';
import { ChannelsService } from './dfo/channels.service';
import { ContactsController } from './dfo/contacts.controller';
import { ContactsService } from './dfo/contacts.service';
import { MessagesController } from './dfo/messages.controller';
import { MessagingService } from './dfo/messaging.service';
import { ThreadsService } from './dfo/threads.service';
import { DfoEvents } from './events/dfo-events.service';
import { WebhookDispatcher } from './events/webhook-dispatcher';
import { ConversationStore } from './state/conversations';
import { RateLimits } from './state/rate-limits';
import { SimSettings } from './state/sim-settings';
import { TenantRegistry } from './state/tenants';
import { TokenStore } from './state/token-store';
import { ArrivalJitter, DEFAULT_JITTER_SOURCE, JITTER_SOURCE, JitterSource } from './traffic/arrival-jitter';
import { FaultInjector } from './traffic/fault-injector';
import { RequestLog } from './traffic/request-log';
import { TrafficStats } from './traffic/traffic-stats';

/**
 * The CXone simulator: a separate Nest application (createSimulatorApp) that plays a CXone tenant — discovery,
 * tokens, the DFO API with its limits and faults, and the agent side calling a BYOC middleware — with all state in
 * memory and its own clock (SimClock, which tests can move forward). It shares nothing with the main AppModule but the
 * configuration.
 */
export interface SimulatorModuleOptions {
  /** Randomness and waiting for the arrival jitter (default: Math.random and timers). */
  jitterSource?: JitterSource;
}

@Module({})
export class SimulatorModule {
  static forRoot(config: AppConfig, options: SimulatorModuleOptions = {}): DynamicModule {
    return {
      module: SimulatorModule,
      imports: [ConfigModule.forRoot(config)],
      controllers: [
        AuthController,
        MessagesController,
        ContactsController,
        ChannelsController,
        InspectionController,
        AdminController,
        PeopleController,
        HealthController,
      ],
      providers: [
        SimClock,
        SimSettings,
        TenantRegistry,
        TokenStore,
        ConversationStore,
        RateLimits,
        RequestLog,
        TrafficStats,
        FaultInjector,
        ArrivalJitter,
        { provide: JITTER_SOURCE, useValue: options.jitterSource ?? DEFAULT_JITTER_SOURCE },
        NativeOptOut,
        WebhookDispatcher,
        DfoEvents,
        MiddlewareClient,
        ByocDelivery,
        SimAuthService,
        MessagingService,
        ThreadsService,
        ContactsService,
        ChannelsService,
        AgentService,
        ControlService,
        DfoAuthGuard,
        ControlGuard,
        NoNulBytesGuard,
        { provide: APP_FILTER, useClass: SimulatorExceptionFilter },
      ],
    };
  }
}
