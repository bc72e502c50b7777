import { Injectable } from '@nestjs/common';
import { PrismaService } from '@/infra/prisma/prisma.service';

export interface StoredEvent {
  id: string;
  accountId: string;
  eventId: string;
  eventType: string;
  payload: unknown;
  processedAt: Date | null;
  attempts: number;
}

/** The cxone_event table: every event CXone pushed, once per (account, event id), until and after it is processed. */
@Injectable()
export class CxoneEventsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Stores the event unless this account already sent one with its id; the new row's id, or null for a repeat. */
  async insertOnce(event: {
    accountId: string;
    eventId: string;
    eventType: string;
    payload: unknown;
  }): Promise<string | null> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `INSERT INTO cxone_event (account_id, event_id, event_type, payload)
       VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, event_id) DO NOTHING RETURNING id::text`,
      [event.accountId, event.eventId, event.eventType, JSON.stringify(event.payload)],
    );
    return rows[0]?.id ?? null;
  }

  async findById(id: string): Promise<StoredEvent | null> {
    const { rows } = await this.prisma.pool.query<StoredEvent>(
      `SELECT id::text, account_id AS "accountId", event_id AS "eventId", event_type AS "eventType", payload,
         processed_at AS "processedAt", attempts
       FROM cxone_event WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async markProcessed(id: string): Promise<void> {
    await this.prisma.pool.query(
      'UPDATE cxone_event SET processed_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1',
      [id],
    );
  }

  async noteFailure(id: string, error: string): Promise<void> {
    await this.prisma.pool.query('UPDATE cxone_event SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [
      id,
      error.slice(0, 2000),
    ]);
  }

  /** Events received more than `olderThanMs` ago and not processed yet, with fewer than `maxAttempts` tries. */
  async unprocessed(olderThanMs: number, maxAttempts: number, limit: number): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>(
      `SELECT id::text FROM cxone_event
       WHERE processed_at IS NULL AND received_at < now() - make_interval(secs => $1) AND attempts < $2
       ORDER BY received_at LIMIT $3`,
      [olderThanMs / 1000, maxAttempts, limit],
    );
    return rows.map((r) => r.id);
  }
}
