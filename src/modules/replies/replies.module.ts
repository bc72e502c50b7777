import { Module } from '@nestjs/common';
import { QueueModule } from '@/infra/queue/queue.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ContactsModule } from '@/modules/contacts/contacts.module';
import { DispatchModule } from '@/modules/dispatch/dispatch.module';
import { MessagesModule } from '@/modules/messages/messages.module';
import { ThreadsModule } from '@/modules/threads/threads.module';
import { HelpReplies } from './help-replies';
import { InboundService } from './inbound.service';
import { RepliesProcessor } from './replies.processor';

/**
 * Customers' messages on SMS/WhatsApp threads, however Threadline learns of them (CXone's pushes, reconciliation):
 * stored once, counted as replies, keywords acted on (consent, the HELP answer).
 */
@Module({
  imports: [
    QueueModule,
    CxoneModule,
    AccountsModule,
    ChannelsModule,
    ContactsModule,
    DispatchModule,
    MessagesModule,
    ThreadsModule,
  ],
  providers: [InboundService, HelpReplies, RepliesProcessor],
  exports: [InboundService],
})
export class RepliesModule {}
