import { Module } from '@nestjs/common';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

/** The message store, both directions. */
@Module({
  imports: [PrismaModule],
  providers: [MessagesRepository, MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
