import { Injectable } from '@nestjs/common';
import { MessageRow, MessagesRepository } from './messages.repository';

export interface MessageView {
  id: string;
  direction: MessageRow['direction'];
  author: MessageRow['author'];
  idOnExternalPlatform: string;
  cxoneMessageId: string | null;
  content: unknown;
  status: MessageRow['status'];
  lastError: string | null;
  createdAt: string;
}

/** A conversation's messages, whichever direction carried them. */
@Injectable()
export class MessagesService {
  constructor(private readonly repository: MessagesRepository) {}

  /** The thread's messages, oldest first (the alert, then the replies). */
  async history(threadId: string, limit = 500): Promise<MessageView[]> {
    return (await this.repository.listForThread(threadId, limit)).map(toView);
  }
}

function toView(row: MessageRow): MessageView {
  return {
    id: row.id,
    direction: row.direction,
    author: row.author,
    idOnExternalPlatform: row.idOnExternalPlatform,
    cxoneMessageId: row.cxoneMessageId,
    content: row.content,
    status: row.status,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
  };
}
