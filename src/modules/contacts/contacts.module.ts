import { Module } from '@nestjs/common';
import { ChannelsModule } from '@/modules/channels/channels.module';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';

@Module({
  imports: [ChannelsModule],
  providers: [ContactsRepository, ContactsService],
  exports: [ContactsService],
})
export class ContactsModule {}
