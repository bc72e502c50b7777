import { Injectable } from '@nestjs/common';
import type { Message } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { messageAllowedFrom } from './message.state';

export type MessageRow = Pick<
  Message,
  | 'id'
  | 'channelId'
  | 'threadId'
  | 'direction'
  | 'author'
  | 'idOnExternalPlatform'
  | 'cxoneMessageId'
  | 'status'
  | 'lastError'
  | 'attempts'
  | 'authorName'
  | 'createdAt'
  | 'updatedAt'
> & { content: unknown; seq: string };

export interface NewMessage {
  channelId: string;
  threadId: string;
  direction: Message['direction'];
  author: Message['author'];
  authorName?: string | null;
  idOnExternalPlatform: string;
  /** CXone's own id of the message, when it came from CXone. */
  cxoneMessageId?: string | null;
  content: unknown;
  status: Message['status'];
  /** When it was written, if not now (a customer message read from CXone). */
  createdAt?: Date;
}

/** A customer message with what relaying it to CXone needs. */
export type RelayedMessage = MessageRow & {
  threadExternalId: string;
  customerAddress: string;
  customerName: string | null;
};

function messageColumns(m = ''): string {
  const c = m ? `${m}.` : '';
  return `${c}id, ${c}channel_id AS "channelId", ${c}thread_id AS "threadId", ${c}direction, ${c}author,
    ${c}id_on_external_platform AS "idOnExternalPlatform", ${c}cxone_message_id AS "cxoneMessageId", ${c}content,
    ${c}status, ${c}last_error AS "lastError", ${c}attempts, ${c}author_name AS "authorName", ${c}seq::text AS seq,
    ${c}created_at AS "createdAt",
    ${c}updated_at AS "updatedAt"`;
}
const MESSAGE_COLUMNS = messageColumns();

/** The message table: one store for both directions (alerts, customer messages, agent replies). */
@Injectable()
export class MessagesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Stores a message once: a repeat of its external id (a client resending, a retried job) returns the stored one
   * (`created` false).
   */
  async insertOnce(message: NewMessage): Promise<{ message: MessageRow; created: boolean }> {
    const { rows } = await this.prisma.pool.query<MessageRow & { created: boolean }>(
      `WITH ins AS (
         INSERT INTO message (id, channel_id, thread_id, direction, author, id_on_external_platform, content, status, author_name,
                              cxone_message_id, created_at, updated_at)
         VALUES (gen_random_uuid(), $1, $2, $3::"MessageDirection", $4::"MessageAuthor", $5, $6, $7::"MessageStatus", $8,
                 $9, coalesce($10, now()), now())
         ON CONFLICT (channel_id, id_on_external_platform) DO NOTHING RETURNING ${MESSAGE_COLUMNS})
       SELECT *, true AS created FROM ins
       UNION ALL SELECT ${MESSAGE_COLUMNS}, false FROM message
       WHERE channel_id = $1 AND id_on_external_platform = $5 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [
        message.channelId,
        message.threadId,
        message.direction,
        message.author,
        message.idOnExternalPlatform,
        JSON.stringify(message.content),
        message.status,
        message.authorName ?? null,
        message.cxoneMessageId ?? null,
        message.createdAt ?? null,
      ],
    );
    if (rows[0]) {
      const { created, ...row } = rows[0];
      return { message: row, created };
    }
    // A concurrent insert of the same message committed while this one waited for it: this statement's snapshot is
    // older than that row, so it is read by a new one.
    const stored = await this.findByExternalId(message.channelId, message.idOnExternalPlatform);
    if (!stored) throw new Error(`message ${message.idOnExternalPlatform} neither inserted nor found`);
    return { message: stored, created: false };
  }

  /**
   * Stores an agent's message unless the same content arrived on the thread within `windowSeconds` (CXone retrying
   * a call it got no answer to): then the stored one is returned. The thread's advisory lock makes two identical
   * retries arriving together store one message.
   */
  async insertUnlessRepeated(
    message: NewMessage,
    contentHash: string,
    windowSeconds: number,
  ): Promise<{ message: MessageRow; created: boolean }> {
    return this.prisma.poolTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `message-dedupe:${message.threadId}`,
      ]);
      const { rows: repeated } = await client.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM message
         WHERE thread_id = $1 AND content_hash = $2 AND created_at > now() - make_interval(secs => $3)
         ORDER BY created_at DESC LIMIT 1`,
        [message.threadId, contentHash, windowSeconds],
      );
      if (repeated[0]) return { message: repeated[0], created: false };
      const { rows } = await client.query<MessageRow>(
        `INSERT INTO message (id, channel_id, thread_id, direction, author, id_on_external_platform, content, status, content_hash,
                              author_name, created_at, updated_at)
         VALUES (gen_random_uuid(), $1, $2, $3::"MessageDirection", $4::"MessageAuthor", $5, $6, $7::"MessageStatus", $8, $9,
                 now(), now())
         RETURNING ${MESSAGE_COLUMNS}`,
        [
          message.channelId,
          message.threadId,
          message.direction,
          message.author,
          message.idOnExternalPlatform,
          JSON.stringify(message.content),
          message.status,
          contentHash,
          message.authorName ?? null,
        ],
      );
      return { message: rows[0], created: true };
    });
  }

  /** Moves a message to `to` if the state machine allows it from its current status; the row after, or null. */
  async transition(
    id: string,
    to: Message['status'],
    changes: { cxoneMessageId?: string | null; lastError?: string | null; countAttempt?: boolean } = {},
  ): Promise<MessageRow | null> {
    const { rows } = await this.prisma.pool.query<MessageRow>(
      `UPDATE message SET status = $2::"MessageStatus", updated_at = now(),
         cxone_message_id = coalesce($3, cxone_message_id),
         last_error = CASE WHEN $5 THEN $4 ELSE last_error END,
         attempts = attempts + CASE WHEN $6 THEN 1  ELSE 0 END
       WHERE id = $1 AND status = ANY($7::"MessageStatus"[])
       RETURNING ${MESSAGE_COLUMNS}`,
      [
        id,
        to,
        changes.cxoneMessageId ?? null,
        changes.lastError ?? null,
        changes.lastError !== undefined,
        changes.countAttempt ?? false,
        messageAllowedFrom(to),
      ],
    );
    return rows[0] ?? null;
  }

  /** A relay attempt failed and will be retried: counted, the error kept, the message still QUEUED. */
  async noteRelayAttempt(id: string, error: string): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE message SET attempts = attempts + 1, last_error = $2, updated_at = now() WHERE id = $1`,
      [id, error.slice(0, 2000)],
    );
  }

  /** The customer's messages on each of `threadIds` (at most `perThread` each, oldest first). */
  async customerMessagesOf(threadIds: string[], perThread: number): Promise<MessageRow[]> {
    const { rows } = await this.prisma.pool.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM (
         SELECT m.*, row_number() OVER (PARTITION BY m.thread_id ORDER BY m.created_at, m.seq) AS n
         FROM message m WHERE m.thread_id = ANY($1::uuid[]) AND m.author = 'CUSTOMER') ranked
       WHERE n <= $2 ORDER BY created_at, seq`,
      [threadIds, perThread],
    );
    return rows;
  }

  async findForRelay(id: string): Promise<RelayedMessage | null> {
    const { rows } = await this.prisma.pool.query<RelayedMessage>(
      `SELECT ${messageColumns('m')}, t.id_on_external_platform AS "threadExternalId", c.address AS "customerAddress",
         c.display_name AS "customerName"
       FROM message m JOIN thread t ON t.id = m.thread_id JOIN contact c ON c.id = t.contact_id
       WHERE m.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findByExternalId(channelId: string, idOnExternalPlatform: string): Promise<MessageRow | null> {
    const { rows } = await this.prisma.pool.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM message WHERE channel_id = $1 AND id_on_external_platform = $2`,
      [channelId, idOnExternalPlatform],
    );
    return rows[0] ?? null;
  }

  /** The customer's messages on all their threads of the channel after stream position `afterSeq` (a reconnect). */
  async sinceForContact(contactId: string, afterSeq: string, limit: number): Promise<MessageRow[]> {
    const { rows } = await this.prisma.pool.query<MessageRow>(
      `SELECT ${messageColumns('m')} FROM message m JOIN thread t ON t.id = m.thread_id
       WHERE t.contact_id = $1 AND m.seq > $2::bigint ORDER BY m.seq LIMIT $3`,
      [contactId, afterSeq, limit],
    );
    return rows;
  }

  /** Customer messages stored but not relayed (RECEIVED, or QUEUED) and untouched for `olderThanMs`: their job may be lost. */
  async staleRelays(olderThanMs: number, limit: number): Promise<Array<{ id: string }>> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `SELECT id FROM message WHERE status IN ('RECEIVED', 'QUEUED') AND direction = 'INBOUND'
         AND updated_at <= now() - make_interval(secs => $1) ORDER BY updated_at LIMIT $2`,
      [olderThanMs / 1000, limit],
    );
    return rows;
  }

  /** A thread's messages in the order they happened, oldest first, after `after` (a message id) when given. */
  async listForThread(threadId: string, limit: number, after?: string): Promise<MessageRow[]> {
    const { rows } = await this.prisma.pool.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM message
       WHERE thread_id = $1
         AND ($3::uuid IS NULL OR (created_at, id) > (SELECT created_at, id FROM message WHERE id = $3::uuid))
       ORDER BY created_at, id LIMIT $2`,
      [threadId, limit, after ?? null],
    );
    return rows;
  }
}
