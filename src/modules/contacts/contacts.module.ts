import { Module } from '@nestjs/common';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { TimeModule } from '@/infra/time/time.module';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ConsentChanges } from './consent-changes';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';
import { OptOutsImportService } from './opt-outs-import.service';

@Module({
  imports: [PrismaModule, ChannelsModule, TimeModule],
  providers: [ContactsRepository, ContactsService, OptOutsImportService, ConsentChanges],
  exports: [ContactsService, OptOutsImportService, ConsentChanges],
})
export class ContactsModule {}
