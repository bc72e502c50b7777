import { Module } from '@nestjs/common';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

@Module({
  imports: [PrismaModule, CxoneModule, AccountsModule, ChannelsModule],
  providers: [TemplatesRepository, TemplatesService],
  exports: [TemplatesService],
})
export class TemplatesModule {}
