import { Module } from '@nestjs/common';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { QueueModule } from '@/infra/queue/queue.module';
import { TimeModule } from '@/infra/time/time.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ConversationsModule } from '@/modules/conversations/conversations.module';
import { RepliesModule } from '@/modules/replies/replies.module';
import { ThreadsModule } from '@/modules/threads/threads.module';
import { CxoneEventsProcessor } from './cxone-events.processor';
import { CxoneEventsRepository } from './cxone-events.repository';
import { CxoneEventsService } from './cxone-events.service';

/** CXone's pushed events: the webhook, the event store and its processing. */
@Module({
  imports: [
    PrismaModule,
    QueueModule,
    TimeModule,
    AccountsModule,
    ChannelsModule,
    ConversationsModule,
    RepliesModule,
    ThreadsModule,
  ],
  providers: [CxoneEventsRepository, CxoneEventsService, CxoneEventsProcessor],
  exports: [CxoneEventsService],
})
export class CxoneEventsModule {}
