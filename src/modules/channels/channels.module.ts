import { Module } from '@nestjs/common';
import { CryptoModule } from '@/infra/crypto/crypto.module';
import { LiveEventsModule } from '@/infra/live/live-events.module';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';

@Module({
  imports: [PrismaModule, CryptoModule, LiveEventsModule, AccountsModule],
  providers: [ChannelsRepository, ChannelsService],
  exports: [ChannelsService],
})
export class ChannelsModule {}
