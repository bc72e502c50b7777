import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { LifecycleModule } from '@/infra/http/lifecycle.module';
import { RedisModule } from '@/infra/redis/redis.module';
import { TimeModule } from '@/infra/time/time.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ConversationsModule } from '@/modules/conversations/conversations.module';
import { WidgetCors } from './widget-cors';
import { WidgetOrigins } from './widget-origins';
import { WidgetSessionStrategy } from './widget-session.strategy';
import { WidgetSessions } from './widget-sessions';
import { WidgetService } from './widget.service';
import { WidgetStreams } from './widget-streams';

/** The public browser API of BYOC chat (sessions, posts, history, live events) and the reference widget page. */
@Module({
  imports: [
    PassportModule,
    LifecycleModule,
    RedisModule,
    TimeModule,
    AccountsModule,
    ChannelsModule,
    ConversationsModule,
  ],
  providers: [WidgetService, WidgetSessions, WidgetSessionStrategy, WidgetOrigins, WidgetStreams, WidgetCors],
  exports: [WidgetService, WidgetStreams, WidgetCors],
})
export class WidgetModule {}
