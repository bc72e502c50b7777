import { Injectable } from '@nestjs/common';
import { SentAlert, ThreadsRepository } from './threads.repository';

export type { SentAlert } from './threads.repository';

/**
 * Conversations: one thread per CXone thread, whichever direction opened it (a proactive alert, a BYOC chat), so a
 * reply, a STOP or an agent's answer lands in one place. Status moves along thread.state.ts.
 */
@Injectable()
export class ThreadsService {
  constructor(private readonly repository: ThreadsRepository) {}

  /** A proactive alert went out: its thread awaits the customer's reply, with the alert as the first message. */
  recordProactiveAlert(alert: SentAlert): Promise<string> {
    return this.repository.recordProactiveAlert(alert);
  }
}
