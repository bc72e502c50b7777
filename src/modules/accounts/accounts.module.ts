import { Module } from '@nestjs/common';
import { CryptoModule } from '@/infra/crypto/crypto.module';
import { PrismaModule } from '@/infra/prisma/prisma.module';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';

@Module({
  imports: [PrismaModule, CryptoModule],
  providers: [AccountsRepository, AccountsService],
  exports: [AccountsService],
})
export class AccountsModule {}
