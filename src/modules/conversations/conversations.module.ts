import { Module } from '@nestjs/common';
import { LiveEventsModule } from '@/infra/live/live-events.module';
import { QueueModule } from '@/infra/queue/queue.module';
import { RateLimitModule } from '@/infra/rate-limit/rate-limit.module';
import { TimeModule } from '@/infra/time/time.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { MessagesModule } from '@/modules/messages/messages.module';
import { ThreadsModule } from '@/modules/threads/threads.module';
import { ContactReadBudget } from './contact-read-budget';
import { ConversationEvents } from './conversation-events';
import { ConversationTimers } from './conversation-timers';
import { ConversationsProcessor } from './conversations.processor';
import { ConversationsService } from './conversations.service';
import { RelayService } from './relay.service';

/**
 * BYOC conversations: the chat flow between the widget and CXone over the thread and message store (customer posts
 * relayed, agent messages delivered live, idle timers, agent-ended locking).
 */
@Module({
  imports: [
    LiveEventsModule,
    QueueModule,
    RateLimitModule,
    TimeModule,
    CxoneModule,
    AccountsModule,
    ChannelsModule,
    MessagesModule,
    ThreadsModule,
  ],
  providers: [
    ContactReadBudget,
    ConversationsService,
    ConversationEvents,
    ConversationTimers,
    RelayService,
    ConversationsProcessor,
  ],
  exports: [ConversationsService, ConversationEvents, ContactReadBudget],
})
export class ConversationsModule {}
