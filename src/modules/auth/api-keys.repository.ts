import { Injectable } from '@nestjs/common';
import { PrismaService } from '@/infra/prisma/prisma.service';
import type { ApiKey } from '@/infra/prisma/generated/client';

export type ApiKeyRow = ApiKey;

export interface NewApiKey {
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  expiresAt: Date | null;
}

/** The only code that touches the api_key table. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(key: NewApiKey): Promise<ApiKeyRow> {
    return this.prisma.apiKey.create({ data: key });
  }

  findByHash(keyHash: string): Promise<ApiKeyRow | null> {
    return this.prisma.apiKey.findUnique({ where: { keyHash } });
  }

  list(): Promise<ApiKeyRow[]> {
    return this.prisma.apiKey.findMany({ orderBy: { createdAt: 'desc' } });
  }

  /** Revokes a key; returns false when no such key exists. Revoking twice keeps the first time. */
  async revoke(id: string): Promise<boolean> {
    const { count } = await this.prisma.apiKey.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count > 0 || (await this.prisma.apiKey.count({ where: { id } })) > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } });
  }

  /**
   * Creates `key` only when no usable key can manage keys yet (the bootstrap), under a transaction-scoped advisory
   * lock so two replicas bootstrapping at once create one key, not two. Returns null when such a key exists.
   */
  createIfNoKeyAdmin(key: NewApiKey): Promise<ApiKeyRow | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('threadline:api-key-bootstrap'))`;
      const existing = await tx.apiKey.count({
        where: {
          revokedAt: null,
          OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
          scopes: { hasSome: ['admin', 'keys:admin'] },
        },
      });
      if (existing > 0) return null;
      return tx.apiKey.create({ data: key });
    });
  }
}
