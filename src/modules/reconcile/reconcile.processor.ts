import { Injectable } from '@nestjs/common';
import { JobHandler } from '@/infra/queue/job-handler.decorator';
import { JobName } from '@/infra/queue/queue.constants';
import { ReconcileService, RoundResult } from './reconcile.service';

/** The reconciliation round's job handler: thin, the rules are the service's. */
@Injectable()
export class ReconcileProcessor {
  constructor(private readonly reconcile: ReconcileService) {}

  @JobHandler(JobName.ReconcileThreads)
  round(): Promise<RoundResult> {
    return this.reconcile.round();
  }
}
