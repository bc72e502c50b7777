import { Module } from '@nestjs/common';
import { LifecycleModule } from '@/infra/http/lifecycle.module';
import { QueueModule } from '@/infra/queue/queue.module';
import { RateLimitModule } from '@/infra/rate-limit/rate-limit.module';
import { TimeModule } from '@/infra/time/time.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ContactsModule } from '@/modules/contacts/contacts.module';
import { ConversationsModule } from '@/modules/conversations/conversations.module';
import { DispatchModule } from '@/modules/dispatch/dispatch.module';
import { MessagesModule } from '@/modules/messages/messages.module';
import { ThreadsModule } from '@/modules/threads/threads.module';
import { AutoCloser } from './auto-closer';
import { ContactUpdateBudget } from './contact-update-budget';
import { HelpReplies } from './help-replies';
import { InboundService } from './inbound.service';
import { RepliesProcessor } from './replies.processor';

/**
 * Customers' messages on SMS/WhatsApp threads, however Threadline learns of them (CXone's pushes, reconciliation):
 * stored once, counted as replies, keywords acted on (consent, the HELP answer); and the alerts nobody answered,
 * auto-closed in CXone after their campaign's window.
 */
@Module({
  imports: [
    LifecycleModule,
    QueueModule,
    RateLimitModule,
    TimeModule,
    CxoneModule,
    AccountsModule,
    ChannelsModule,
    ContactsModule,
    ConversationsModule,
    DispatchModule,
    MessagesModule,
    ThreadsModule,
  ],
  providers: [InboundService, HelpReplies, ContactUpdateBudget, AutoCloser, RepliesProcessor],
  exports: [InboundService],
})
export class RepliesModule {}
