import { Injectable } from '@nestjs/common';
import { JobHandler, JobOf } from '@/infra/queue/job-handler.decorator';
import { JobName } from '@/infra/queue/queue.constants';
import { AutoCloser, AutoCloseReport } from './auto-closer';
import { HelpReplies } from './help-replies';

@Injectable()
export class RepliesProcessor {
  constructor(
    private readonly help: HelpReplies,
    private readonly autoCloser: AutoCloser,
  ) {}

  @JobHandler(JobName.SendHelpReply)
  answerHelp(job: JobOf<JobName.SendHelpReply>): Promise<string> {
    return this.help.answer(job.data.messageId);
  }

  /** The auto-close scheduler's job: unanswered alerts past their window resolved in CXone. */
  @JobHandler(JobName.AutoCloseThreads)
  autoClose(): Promise<AutoCloseReport> {
    return this.autoCloser.run();
  }
}
