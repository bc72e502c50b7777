import { Injectable } from '@nestjs/common';
import type { Contact, Message, Thread } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';

/** A proactive alert CXone accepted, in the pieces the conversation store keeps. */
export interface SentAlert {
  channelId: Thread['channelId'];
  /** The customer: their address on the channel, and the name the alert was addressed to. */
  contact: Pick<Contact, 'address' | 'displayName'>;
  thread: Pick<Thread, 'idOnExternalPlatform' | 'campaignId' | 'cxoneContactId' | 'cxoneThreadId'>;
  message: Pick<Message, 'idOnExternalPlatform' | 'cxoneMessageId'> & { content: unknown };
}

export type ThreadRow = Pick<
  Thread,
  | 'id'
  | 'channelId'
  | 'idOnExternalPlatform'
  | 'origin'
  | 'status'
  | 'closeReason'
  | 'cxoneContactId'
  | 'cxoneThreadId'
  | 'campaignId'
  | 'lastCustomerAt'
  | 'lastActivityAt'
  | 'closedAt'
  | 'createdAt'
> & { address: Contact['address']; displayName: Contact['displayName'] };

const THREAD_COLUMNS = `t.id, t.channel_id AS "channelId", t.id_on_external_platform AS "idOnExternalPlatform", t.origin, t.status,
  t.close_reason AS "closeReason", t.cxone_contact_id AS "cxoneContactId", t.cxone_thread_id AS "cxoneThreadId",
  t.campaign_id AS "campaignId", t.last_customer_at AS "lastCustomerAt", t.last_activity_at AS "lastActivityAt",
  t.closed_at AS "closedAt", t.created_at AS "createdAt", c.address, c.display_name AS "displayName"`;

/** The thread table (and, for a sent alert, its first message and the contact it belongs to). */
@Injectable()
export class ThreadsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findById(id: string): Promise<ThreadRow | null> {
    const { rows } = await this.prisma.pool.query<ThreadRow>(
      `SELECT ${THREAD_COLUMNS} FROM thread t JOIN contact c ON c.id = t.contact_id WHERE t.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Newest first; the cursor is the last id of the previous page. */
  async list(filter: {
    campaignId?: string;
    status?: Thread['status'];
    limit: number;
    after?: string;
  }): Promise<ThreadRow[]> {
    const { rows } = await this.prisma.pool.query<ThreadRow>(
      `SELECT ${THREAD_COLUMNS} FROM thread t JOIN contact c ON c.id = t.contact_id
       WHERE ($1::uuid IS NULL OR t.campaign_id = $1::uuid) AND ($2::"ThreadStatus" IS NULL OR t.status = $2::"ThreadStatus")
         AND ($4::uuid IS NULL OR (t.created_at, t.id) < (SELECT created_at, id FROM thread WHERE id = $4::uuid))
       ORDER BY t.created_at DESC, t.id DESC LIMIT $3`,
      [filter.campaignId ?? null, filter.status ?? null, filter.limit, filter.after ?? null],
    );
    return rows;
  }

  /**
   * Records a sent alert in one statement (one round trip on the send hot path): the customer's contact (created if
   * new), the proactive thread linked to its campaign, awaiting the reply that will land in it, and the alert as the
   * thread's first message. Idempotent: a repeated send of the same alert (a retry, a crash before the recipient was
   * marked SENT) finds the same rows by their external ids and only refreshes CXone's ids. The contact upsert writes
   * the contacts module's table on purpose: a thread cannot exist without its contact, and a second round trip here
   * would cost every send. Returns the thread's id.
   */
  async recordProactiveAlert(alert: SentAlert): Promise<string> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `WITH c AS (
         INSERT INTO contact (id, channel_id, address, display_name, created_at, updated_at)
         VALUES (gen_random_uuid(), $1, $2, $3, now(), now())
         ON CONFLICT (channel_id, address) DO UPDATE SET updated_at = now() RETURNING id),
       t AS (
         INSERT INTO thread (id, channel_id, contact_id, id_on_external_platform, origin, status, cxone_contact_id, cxone_thread_id,
                             campaign_id, last_activity_at, created_at, updated_at)
         SELECT gen_random_uuid(), $1, c.id, $4, 'PROACTIVE', 'AWAITING_REPLY', $5, $6, $7, now(), now(), now() FROM c
         ON CONFLICT (channel_id, id_on_external_platform) DO UPDATE
           SET cxone_contact_id = coalesce(EXCLUDED.cxone_contact_id, thread.cxone_contact_id),
               cxone_thread_id = coalesce(EXCLUDED.cxone_thread_id, thread.cxone_thread_id), updated_at = now()
         RETURNING id),
       m AS (
         INSERT INTO message (id, channel_id, thread_id, direction, author, id_on_external_platform, cxone_message_id, content, status,
                              created_at, updated_at)
         SELECT gen_random_uuid(), $1, t.id, 'OUTBOUND', 'SYSTEM', $8, $9, $10, 'SENT', now(), now() FROM t
         ON CONFLICT (channel_id, id_on_external_platform) DO UPDATE
           SET cxone_message_id = coalesce(EXCLUDED.cxone_message_id, message.cxone_message_id), updated_at = now()
         RETURNING id)
       SELECT t.id FROM t, m`,
      [
        alert.channelId,
        alert.contact.address,
        alert.contact.displayName,
        alert.thread.idOnExternalPlatform,
        alert.thread.cxoneContactId,
        alert.thread.cxoneThreadId,
        alert.thread.campaignId,
        alert.message.idOnExternalPlatform,
        alert.message.cxoneMessageId,
        JSON.stringify(alert.message.content),
      ],
    );
    return rows[0].id;
  }
}
