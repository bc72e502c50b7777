import { Module } from '@nestjs/common';
import { CampaignsModule } from '@/modules/campaigns/campaigns.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { DispatchModule } from '@/modules/dispatch/dispatch.module';
import { ProactiveMessagesService } from './proactive-messages.service';

/** Single proactive messages (`/api/v1/messages`), sent through the campaign pipeline. */
@Module({
  imports: [CampaignsModule, ChannelsModule, DispatchModule],
  providers: [ProactiveMessagesService],
  exports: [ProactiveMessagesService],
})
export class ProactiveMessagesModule {}
