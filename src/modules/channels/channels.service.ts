import { Injectable, Logger } from '@nestjs/common';
import { ExpiringCache } from '@/infra/cache/expiring-cache';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelRow, ChannelsRepository } from './channels.repository';
import { ChannelInactiveError, ChannelNotFoundError } from './channels.errors';
import { ChannelResponse, CreateChannelDto, ListChannelsQuery, UpdateChannelDto } from './dto/channel.dto';

/** What other modules need to know about a channel. */
export interface ChannelInfo {
  id: string;
  accountId: string;
  cxoneChannelId: string;
  kind: ChannelRow['kind'];
  isActive: boolean;
}

@Injectable()
export class ChannelsService {
  private readonly logger = new Logger(ChannelsService.name);
  private readonly infoCache = new ExpiringCache<string, ChannelInfo>(10_000);

  constructor(
    private readonly repository: ChannelsRepository,
    private readonly accounts: AccountsService,
  ) {}

  async create(dto: CreateChannelDto): Promise<ChannelResponse> {
    const accountId = dto.accountId ?? (await this.accounts.defaultAccountId());
    await this.accounts.get(accountId); // 404 for an unknown account
    const row = await this.repository.create({
      accountId,
      cxoneChannelId: dto.cxoneChannelId,
      kind: dto.kind,
      name: dto.name,
      integrationId: dto.integrationId ?? null,
    });
    this.logger.log({ channelId: row.id, cxoneChannelId: row.cxoneChannelId, kind: row.kind }, 'channel registered');
    return toResponse(row);
  }

  async list(query: ListChannelsQuery): Promise<ChannelResponse[]> {
    return (await this.repository.list(query)).map(toResponse);
  }

  async get(id: string): Promise<ChannelResponse> {
    return toResponse(await this.row(id));
  }

  async update(id: string, dto: UpdateChannelDto): Promise<ChannelResponse> {
    await this.row(id);
    const row = await this.repository.update(id, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.isActive !== undefined ? { isActive: dto.isActive } : {}),
    });
    this.infoCache.delete(id);
    return toResponse(row);
  }

  async delete(id: string): Promise<void> {
    await this.row(id);
    await this.repository.delete(id);
    this.infoCache.delete(id);
  }

  /** The channel for sending; throws when it does not exist or is inactive. */
  async requireActive(id: string): Promise<ChannelInfo> {
    const row = await this.row(id);
    if (!row.isActive) throw new ChannelInactiveError(id);
    return toInfo(row);
  }

  async info(id: string): Promise<ChannelInfo> {
    return toInfo(await this.row(id));
  }

  /** info(), reused for up to 10 s: for the send path, which reads it for every message. */
  cachedInfo(id: string): Promise<ChannelInfo> {
    return this.infoCache.get(id, () => this.info(id));
  }

  private async row(id: string): Promise<ChannelRow> {
    const row = await this.repository.findById(id);
    if (!row) throw new ChannelNotFoundError(id);
    return row;
  }
}

function toInfo(row: ChannelRow): ChannelInfo {
  return {
    id: row.id,
    accountId: row.accountId,
    cxoneChannelId: row.cxoneChannelId,
    kind: row.kind,
    isActive: row.isActive,
  };
}

function toResponse(row: ChannelRow): ChannelResponse {
  return {
    id: row.id,
    accountId: row.accountId,
    cxoneChannelId: row.cxoneChannelId,
    kind: row.kind,
    name: row.name,
    integrationId: row.integrationId,
    isActive: row.isActive,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
