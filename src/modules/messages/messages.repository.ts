import { Injectable } from '@nestjs/common';
import type { Message } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';

export type MessageRow = Pick<
  Message,
  | 'id'
  | 'threadId'
  | 'direction'
  | 'author'
  | 'idOnExternalPlatform'
  | 'cxoneMessageId'
  | 'status'
  | 'lastError'
  | 'createdAt'
  | 'updatedAt'
> & { content: unknown };

const MESSAGE_COLUMNS = `id, thread_id AS "threadId", direction, author, id_on_external_platform AS "idOnExternalPlatform",
  cxone_message_id AS "cxoneMessageId", content, status, last_error AS "lastError", created_at AS "createdAt",
  updated_at AS "updatedAt"`;

/** The message table: one store for both directions (alerts, customer messages, agent replies). */
@Injectable()
export class MessagesRepository {
  constructor(private readonly prisma: PrismaService) {}

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
