import { Module } from '@nestjs/common';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ContactsModule } from '@/modules/contacts/contacts.module';
import { TemplatesModule } from '@/modules/templates/templates.module';
import { CampaignsProcessor } from './campaigns.processor';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { CompletionChecker } from './completion-checker';
import { DispatchMetrics } from './dispatch.metrics';
import { DispatchService } from './dispatch.service';
import { DispatchWorkers } from './dispatch-workers';
import { ProgressService } from './progress.service';
import { ProgressStream } from './progress.stream';
import { SenderService } from './sender.service';
import { SweeperService } from './sweeper.service';

@Module({
  imports: [AccountsModule, ChannelsModule, ContactsModule, TemplatesModule],
  providers: [
    CampaignsRepository,
    CampaignsService,
    DispatchService,
    DispatchWorkers,
    DispatchMetrics,
    SenderService,
    SweeperService,
    ProgressService,
    ProgressStream,
    CampaignsProcessor,
    CompletionChecker,
  ],
  exports: [CampaignsService, ProgressStream],
})
export class CampaignsModule {}
