import { Injectable } from '@nestjs/common';
import { MessageRow, MessagesRepository, NewMessage, RelayedMessage } from './messages.repository';

export type { MessageRow, NewMessage, RelayedMessage } from './messages.repository';

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

  // ── the store, for the chat flow ──

  insertOnce(message: NewMessage) {
    return this.repository.insertOnce(message);
  }

  insertUnlessRepeated(message: NewMessage, contentHash: string, windowSeconds: number) {
    return this.repository.insertUnlessRepeated(message, contentHash, windowSeconds);
  }

  transition(id: string, to: MessageRow['status'], changes?: Parameters<MessagesRepository['transition']>[2]) {
    return this.repository.transition(id, to, changes);
  }

  noteRelayAttempt(id: string, error: string): Promise<void> {
    return this.repository.noteRelayAttempt(id, error);
  }

  customerMessagesOf(threadIds: string[], perThread: number): Promise<MessageRow[]> {
    return this.repository.customerMessagesOf(threadIds, perThread);
  }

  findForRelay(id: string): Promise<RelayedMessage | null> {
    return this.repository.findForRelay(id);
  }

  findByExternalId(channelId: string, idOnExternalPlatform: string): Promise<MessageRow | null> {
    return this.repository.findByExternalId(channelId, idOnExternalPlatform);
  }

  /** A thread's stored rows in order (for the widget's own view of them). */
  rowsOf(threadId: string, limit = 500): Promise<MessageRow[]> {
    return this.repository.listForThread(threadId, limit);
  }

  sinceForContact(contactId: string, afterSeq: string, limit: number): Promise<MessageRow[]> {
    return this.repository.sinceForContact(contactId, afterSeq, limit);
  }

  staleRelays(olderThanMs: number, limit: number): Promise<Array<{ id: string }>> {
    return this.repository.staleRelays(olderThanMs, limit);
  }

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
