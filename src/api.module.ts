import { Module } from '@nestjs/common';
import { AccountsController } from '@/modules/accounts/accounts.controller';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ApiKeysController } from '@/modules/auth/api-keys.controller';
import { AuthModule } from '@/modules/auth/auth.module';
import { ByocActionsController } from '@/modules/byoc/byoc-actions.controller';
import { ByocController } from '@/modules/byoc/byoc.controller';
import { ByocModule } from '@/modules/byoc/byoc.module';
import { CallbackClientsController } from '@/modules/byoc/callback-clients.controller';
import { CampaignsController } from '@/modules/campaigns/campaigns.controller';
import { CampaignsModule } from '@/modules/campaigns/campaigns.module';
import { ChannelsController } from '@/modules/channels/channels.controller';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ConsoleController } from '@/modules/console/console.controller';
import { OptOutsController } from '@/modules/contacts/opt-outs.controller';
import { CxoneEventsController } from '@/modules/cxone-events/cxone-events.controller';
import { CxoneEventsModule } from '@/modules/cxone-events/cxone-events.module';
import { ContactsModule } from '@/modules/contacts/contacts.module';
import { TemplatesController } from '@/modules/templates/templates.controller';
import { ThreadsController } from '@/modules/threads/threads.controller';
import { ThreadsModule } from '@/modules/threads/threads.module';
import { WidgetDemoController } from '@/modules/widget/widget-demo.controller';
import { WidgetController } from '@/modules/widget/widget.controller';
import { WidgetModule } from '@/modules/widget/widget.module';
import { ProactiveMessagesController } from '@/modules/proactive-messages/proactive-messages.controller';
import { ProactiveMessagesModule } from '@/modules/proactive-messages/proactive-messages.module';
import { TemplatesModule } from '@/modules/templates/templates.module';

/**
 * The public HTTP surface of the api role, in one list: admin and backend routes under /api/v1, CXone's BYOC callbacks
 * (/integration/box) and event pushes (/webhooks/cxone), the widget API (/widget/v1) and its demo page, and the
 * operator console's static files (/console). The worker role does not load it, so it serves only /health and
 * /metrics.
 */
@Module({
  imports: [
    AuthModule,
    AccountsModule,
    ChannelsModule,
    ContactsModule,
    TemplatesModule,
    CampaignsModule,
    ProactiveMessagesModule,
    ThreadsModule,
    ByocModule,
    WidgetModule,
    CxoneEventsModule,
  ],
  controllers: [
    ApiKeysController,
    AccountsController,
    ChannelsController,
    TemplatesController,
    OptOutsController,
    CampaignsController,
    ProactiveMessagesController,
    ThreadsController,
    CallbackClientsController,
    ByocController,
    ByocActionsController,
    WidgetController,
    WidgetDemoController,
    CxoneEventsController,
    ConsoleController,
  ],
})
export class ApiModule {}
