import { Injectable } from '@nestjs/common';
import { Prisma } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';

/** statusCode of a record whose request is still running. */
export const IN_PROGRESS = 0;

export interface IdempotencyRow {
  requestHash: string;
  statusCode: number;
  responseBody: unknown;
  createdAt: Date;
}

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Claims (apiKeyId, key) for a new request. Returns null when the claim succeeded, or the existing record.
   * A claim left in progress for longer than `staleAfterMs` (its process died) is taken over.
   */
  async claim(
    claim: { apiKeyId: string; key: string; method: string; path: string; requestHash: string; expiresAt: Date },
    staleAfterMs: number,
  ): Promise<IdempotencyRow | null> {
    const inserted = await this.prisma.$executeRaw`
      INSERT INTO idempotency_record (api_key_id, key, method, path, request_hash, status_code, response_body, expires_at)
      VALUES (${claim.apiKeyId}::uuid, ${claim.key}, ${claim.method}, ${claim.path}, ${claim.requestHash}, ${IN_PROGRESS}, 'null'::jsonb, ${claim.expiresAt})
      ON CONFLICT (api_key_id, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, method = EXCLUDED.method, path = EXCLUDED.path,
            created_at = now(), expires_at = EXCLUDED.expires_at
        WHERE idempotency_record.expires_at < now()
           OR (idempotency_record.status_code = ${IN_PROGRESS}
               AND idempotency_record.created_at < now() - make_interval(secs => ${staleAfterMs / 1000}))`;
    if (inserted === 1) return null;
    const row = await this.prisma.idempotencyRecord.findUnique({
      where: { apiKeyId_key: { apiKeyId: claim.apiKeyId, key: claim.key } },
      select: { requestHash: true, statusCode: true, responseBody: true, createdAt: true },
    });
    // Deleted between the two statements (a failed request released it): claim again.
    return row ?? this.claim(claim, staleAfterMs);
  }

  async complete(apiKeyId: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.prisma.idempotencyRecord.update({
      where: { apiKeyId_key: { apiKeyId, key } },
      data: {
        statusCode,
        responseBody: body === undefined || body === null ? Prisma.JsonNull : (body as Prisma.InputJsonValue),
      },
    });
  }

  async release(apiKeyId: string, key: string): Promise<void> {
    await this.prisma.idempotencyRecord.deleteMany({ where: { apiKeyId, key, statusCode: IN_PROGRESS } });
  }

  /** Through the pg pool: the worker's hourly purge is its only use of this table (see AccountsRepository). */
  async purgeExpired(now: Date): Promise<number> {
    const { rowCount } = await this.prisma.pool.query('DELETE FROM idempotency_record WHERE expires_at < $1', [now]);
    return rowCount ?? 0;
  }
}
