import { Injectable } from '@nestjs/common';
import { JobHandler, JobOf } from '@/infra/queue/job-handler.decorator';
import { JobName } from '@/infra/queue/queue.constants';
import { HelpReplies } from './help-replies';

@Injectable()
export class RepliesProcessor {
  constructor(private readonly help: HelpReplies) {}

  @JobHandler(JobName.SendHelpReply)
  answerHelp(job: JobOf<JobName.SendHelpReply>): Promise<string> {
    return this.help.answer(job.data.messageId);
  }
}
