import { Module } from '@nestjs/common';
import { TimeModule } from '@/infra/time/time.module';
import { CxoneModule } from '@/integrations/cxone/cxone.module';
import { AccountsModule } from '@/modules/accounts/accounts.module';
import { ConversationsModule } from '@/modules/conversations/conversations.module';
import { RepliesModule } from '@/modules/replies/replies.module';
import { ThreadsModule } from '@/modules/threads/threads.module';
import { ReconcileProcessor } from './reconcile.processor';
import { ReconcileService } from './reconcile.service';

/**
 * Reconciliation: open proactive threads' messages read back from CXone within a share of the DFO read budget, so
 * customers' replies and STOPs reach Threadline with no webhook configured (or a push lost).
 */
@Module({
  imports: [TimeModule, CxoneModule, AccountsModule, ConversationsModule, RepliesModule, ThreadsModule],
  providers: [ReconcileService, ReconcileProcessor],
  exports: [ReconcileService],
})
export class ReconcileModule {}
