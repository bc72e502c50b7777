import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { RedisModule } from '@/infra/redis/redis.module';
import { TimeModule } from '@/infra/time/time.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ConversationsModule } from '@/modules/conversations/conversations.module';
import { ByocActionsService } from './byoc-actions.service';
import { ByocService } from './byoc.service';
import { ByocTokens } from './byoc-tokens';
import { CallbackClientsRepository } from './callback-clients.repository';
import { CallbackClientsService } from './callback-clients.service';
import { CxoneCallbackStrategy } from './cxone-callback.strategy';

/** The CXone side of the BYOC middleware: its token endpoint, callbacks and action URLs, and their credentials. */
@Module({
  imports: [
    PassportModule,
    PrismaModule,
    RedisModule,
    TimeModule,
    CxoneModule,
    AccountsModule,
    ChannelsModule,
    ConversationsModule,
  ],
  providers: [
    ByocService,
    ByocActionsService,
    ByocTokens,
    CallbackClientsRepository,
    CallbackClientsService,
    CxoneCallbackStrategy,
  ],
  exports: [ByocService, ByocActionsService, CallbackClientsService],
})
export class ByocModule {}
