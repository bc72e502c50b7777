import { Injectable } from '@nestjs/common';
import type { CxoneCallbackClient } from '@/infra/prisma/generated/client';
import { mapConstraintErrors } from '@/infra/prisma/constraint-errors';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { CallbackClientIdTakenError } from './byoc.errors';

export type CallbackClientRow = CxoneCallbackClient & { integrationId: string | null };
export type NewCallbackClient = Pick<CxoneCallbackClient, 'clientId' | 'secretHash' | 'name' | 'channelId'>;

/** The OAuth clients CXone authenticates with at /integration/box/1.0/token. */
@Injectable()
export class CallbackClientsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(client: NewCallbackClient): Promise<CallbackClientRow> {
    const row = await mapConstraintErrors(() => this.prisma.cxoneCallbackClient.create({ data: client }), {
      unique: () => new CallbackClientIdTakenError(client.clientId),
    });
    return this.withIntegration(row);
  }

  async findByClientId(clientId: string): Promise<CallbackClientRow | null> {
    const row = await this.prisma.cxoneCallbackClient.findUnique({
      where: { clientId },
      include: { channel: { select: { integrationId: true } } },
    });
    return row ? { ...stripChannel(row), integrationId: row.channel?.integrationId ?? null } : null;
  }

  async findById(id: string): Promise<CallbackClientRow | null> {
    const row = await this.prisma.cxoneCallbackClient.findUnique({
      where: { id },
      include: { channel: { select: { integrationId: true } } },
    });
    return row ? { ...stripChannel(row), integrationId: row.channel?.integrationId ?? null } : null;
  }

  listForChannel(channelId: string): Promise<CxoneCallbackClient[]> {
    return this.prisma.cxoneCallbackClient.findMany({ where: { channelId }, orderBy: { createdAt: 'asc' } });
  }

  /** The new secret becomes current; the current one stays valid until `previousExpiresAt`. */
  rotate(id: string, secretHash: string, previousExpiresAt: Date): Promise<CxoneCallbackClient | null> {
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.cxoneCallbackClient.findUnique({ where: { id } });
      if (!current || current.revokedAt) return null;
      return tx.cxoneCallbackClient.update({
        where: { id },
        data: { secretHash, previousSecretHash: current.secretHash, previousSecretExpiresAt: previousExpiresAt },
      });
    });
  }

  async revoke(id: string): Promise<boolean> {
    const { count } = await this.prisma.cxoneCallbackClient.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date(), previousSecretHash: null, previousSecretExpiresAt: null },
    });
    return count > 0;
  }

  async touch(id: string): Promise<void> {
    await this.prisma.cxoneCallbackClient.update({ where: { id }, data: { lastUsedAt: new Date() } });
  }

  private async withIntegration(row: CxoneCallbackClient): Promise<CallbackClientRow> {
    const channel = row.channelId
      ? await this.prisma.channel.findUnique({ where: { id: row.channelId }, select: { integrationId: true } })
      : null;
    return { ...row, integrationId: channel?.integrationId ?? null };
  }
}

function stripChannel<T extends { channel?: unknown }>(row: T): Omit<T, 'channel'> {
  const { channel: _channel, ...rest } = row;
  return rest;
}
