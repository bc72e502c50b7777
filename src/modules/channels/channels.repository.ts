import { Injectable } from '@nestjs/common';
import type { Channel, ChannelKind } from '@/infra/prisma/generated/client';
import { mapConstraintErrors } from '@/infra/prisma/constraint-errors';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { ChannelExistsError, ChannelInUseError } from './channels.errors';

export type ChannelRow = Channel;

export type NewChannel = Pick<ChannelRow, 'accountId' | 'cxoneChannelId' | 'kind' | 'name' | 'integrationId'>;
export type ChannelChanges = Partial<
  Pick<
    ChannelRow,
    | 'name'
    | 'isActive'
    | 'widgetOrigins'
    | 'idlePromptSeconds'
    | 'idleEndSeconds'
    | 'identitySecretEnc'
    | 'cxoneBrandId'
    | 'optOutKeywords'
    | 'optInKeywords'
    | 'helpKeywords'
    | 'helpReply'
  >
>;

const CHANNEL_COLUMNS = `id, account_id AS "accountId", cxone_channel_id AS "cxoneChannelId", kind, name,
  integration_id AS "integrationId", cxone_brand_id AS "cxoneBrandId", widget_origins AS "widgetOrigins",
  idle_prompt_seconds AS "idlePromptSeconds", idle_end_seconds AS "idleEndSeconds",
  identity_secret_enc AS "identitySecretEnc", opt_out_keywords AS "optOutKeywords", opt_in_keywords AS "optInKeywords",
  help_keywords AS "helpKeywords", help_reply AS "helpReply", is_active AS "isActive", created_at AS "createdAt",
  updated_at AS "updatedAt"`;

@Injectable()
export class ChannelsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Throws ChannelExistsError when the account already has a channel with that CXone id. */
  create(channel: NewChannel): Promise<ChannelRow> {
    return mapConstraintErrors(() => this.prisma.channel.create({ data: channel }), {
      unique: () => new ChannelExistsError(channel.cxoneChannelId),
    });
  }

  /** Through the pg pool: the worker reads channels on every send path and otherwise needs no Prisma query. */
  async findById(id: string): Promise<ChannelRow | null> {
    const { rows } = await this.prisma.pool.query<ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM channel WHERE id = $1::uuid`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Channels with this CXone channel id (one per CXone account). */
  findByAccountAndCxoneId(accountId: string, cxoneChannelId: string): Promise<ChannelRow | null> {
    return this.prisma.channel.findUnique({ where: { accountId_cxoneChannelId: { accountId, cxoneChannelId } } });
  }

  findByCxoneId(cxoneChannelId: string, kind?: ChannelKind): Promise<ChannelRow[]> {
    return this.prisma.channel.findMany({ where: { cxoneChannelId, ...(kind ? { kind } : {}) } });
  }

  async allWidgetOrigins(): Promise<string[]> {
    const rows = await this.prisma.channel.findMany({
      where: { kind: 'BYOC_CHAT', isActive: true },
      select: { widgetOrigins: true },
    });
    return [...new Set(rows.flatMap((r) => r.widgetOrigins))];
  }

  /** The BYOC chat channel added for a CXone brand (through the action URLs), newest first. */
  findByBrand(accountId: string, integrationId: string, brandId: number): Promise<ChannelRow | null> {
    return this.prisma.channel.findFirst({
      where: { accountId, integrationId, cxoneBrandId: brandId, kind: 'BYOC_CHAT' },
      orderBy: { createdAt: 'desc' },
    });
  }

  /** The account's channel with this CXone id, created if missing (concurrent callers get the same row). */
  ensure(channel: NewChannel): Promise<ChannelRow> {
    return this.prisma.channel.upsert({
      where: { accountId_cxoneChannelId: { accountId: channel.accountId, cxoneChannelId: channel.cxoneChannelId } },
      create: channel,
      update: {},
    });
  }

  list(filter: { accountId?: string; kind?: ChannelKind }): Promise<ChannelRow[]> {
    return this.prisma.channel.findMany({ where: filter, orderBy: { createdAt: 'asc' } });
  }

  update(id: string, changes: ChannelChanges): Promise<ChannelRow> {
    return this.prisma.channel.update({ where: { id }, data: changes });
  }

  /** Throws ChannelInUseError when campaigns still reference the channel (campaign.channel_id restricts deletes). */
  async delete(id: string): Promise<void> {
    await mapConstraintErrors(() => this.prisma.channel.delete({ where: { id } }), {
      foreignKey: () => new ChannelInUseError(id),
    });
  }
}
