import { Module } from '@nestjs/common';
import { LifecycleModule } from '@/infra/http/lifecycle.module';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ContactsModule } from '@/modules/contacts/contacts.module';
import { DispatchModule } from '@/modules/dispatch/dispatch.module';
import { MessagesModule } from '@/modules/messages/messages.module';
import { TemplatesModule } from '@/modules/templates/templates.module';
import { ThreadsModule } from '@/modules/threads/threads.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { CampaignPreflight } from './campaign-preflight';
import { CampaignReplies } from './campaign-replies';
import { CampaignIntake } from './campaign-intake';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { PreflightRepository } from './preflight.repository';
import { ProgressStream } from './progress.stream';
import { RecipientsRepository } from './recipients.repository';

/** The admin side of proactive campaigns: the API, intake and the lifecycle. Sending is the dispatch module's. */
@Module({
  imports: [
    PrismaModule,
    LifecycleModule,
    ChannelsModule,
    ContactsModule,
    TemplatesModule,
    DispatchModule,
    ThreadsModule,
    MessagesModule,
    AccountsModule,
    CxoneModule,
  ],
  providers: [
    CampaignsRepository,
    RecipientsRepository,
    CampaignsService,
    CampaignIntake,
    CampaignReplies,
    CampaignPreflight,
    PreflightRepository,
    ProgressStream,
  ],
  exports: [CampaignsService, CampaignIntake, CampaignPreflight, RecipientsRepository, ProgressStream],
})
export class CampaignsModule {}
