import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, NotFoundError } from '@/infra/errors/domain-error';
import { Prisma } from '@/infra/prisma/generated/client';
import { CxoneClient } from '@/integrations/cxone/cxone.client';
import { CxoneRejectedError } from '@/integrations/cxone/cxone.errors';
import type { DfoTemplateElement } from '@/integrations/cxone/dfo.types';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { CreateTemplateDto, SyncTemplatesResponse, TemplateResponse } from './dto/template.dto';
import { TemplateRow, TemplatesRepository } from './templates.repository';

/** What intake needs to check a template send. */
export interface TemplateSpec {
  name: string;
  language: string;
  parameters: string[];
  approved: boolean;
}

/**
 * The WhatsApp template registry. Outside the 24-hour window only approved templates may be sent, and a BYOC
 * WhatsApp channel cannot read Meta's templates, so Threadline keeps them (and can import what CXone lists).
 */
@Injectable()
export class TemplatesService {
  private readonly logger = new Logger(TemplatesService.name);

  constructor(
    private readonly repository: TemplatesRepository,
    private readonly channels: ChannelsService,
    private readonly accounts: AccountsService,
    private readonly cxone: CxoneClient,
  ) {}

  async create(dto: CreateTemplateDto): Promise<TemplateResponse> {
    const channel = await this.channels.info(dto.channelId);
    if (channel.kind !== 'WHATSAPP')
      throw new ConflictError(`templates belong to WHATSAPP channels; ${dto.channelId} is ${channel.kind}`);
    const row = await this.repository.upsert({
      channelId: dto.channelId,
      name: dto.name,
      language: dto.language,
      parameters: dto.parameters,
      category: dto.category ?? 'TRANSACTIONAL',
      status: dto.status ?? 'APPROVED',
      content: (dto.content ?? {}) as Prisma.InputJsonValue,
    });
    return toResponse(row);
  }

  async list(channelId?: string): Promise<TemplateResponse[]> {
    return (await this.repository.list(channelId)).map(toResponse);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repository.delete(id))) throw new NotFoundError(`no template ${id}`);
  }

  /** Imports the templates CXone lists for the channel (GET /channels/{id}/external-platform-templates). */
  async syncFromCxone(channelId: string): Promise<SyncTemplatesResponse> {
    const channel = await this.channels.info(channelId);
    const account = await this.accounts.resolve(channel.accountId);
    const listed = await this.cxone.listTemplates(account, channel.cxoneChannelId).catch((err: unknown) => {
      // The channel is registered here but CXone does not know it: the registration is wrong, not CXone (a 409, not
      // a 502 that would page whoever watches 5xx rates).
      if (err instanceof CxoneRejectedError && err.httpStatus === 404) {
        throw new ConflictError(`CXone has no channel ${channel.cxoneChannelId}: check the channel's cxoneChannelId`, {
          cxoneErrors: err.errors,
        });
      }
      throw err;
    });
    const rows: TemplateRow[] = [];
    for (const t of listed) {
      const element = (t.messageContent?.payload?.elements?.[0] ?? {}) as Partial<DfoTemplateElement>;
      rows.push(
        await this.repository.upsert({
          channelId,
          name: t.template,
          language: t.language ?? element.language ?? 'en_US',
          category: t.category ?? 'TRANSACTIONAL',
          status: 'APPROVED',
          parameters: Object.keys(element.variables ?? {}),
          content: t.messageContent as unknown as Prisma.InputJsonValue,
        }),
      );
    }
    this.logger.log({ channelId, imported: rows.length }, 'templates imported from CXone');
    return { imported: rows.length, templates: rows.map(toResponse) };
  }

  async find(channelId: string, name: string, language: string): Promise<TemplateSpec | null> {
    const row = await this.repository.find(channelId, name, language);
    return row
      ? { name: row.name, language: row.language, parameters: row.parameters, approved: row.status === 'APPROVED' }
      : null;
  }
}

function toResponse(row: TemplateRow): TemplateResponse {
  return {
    id: row.id,
    channelId: row.channelId,
    name: row.name,
    language: row.language,
    category: row.category,
    status: row.status,
    parameters: row.parameters,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
