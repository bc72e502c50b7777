import { Injectable } from '@nestjs/common';
import type { Prisma, Template } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';

export type TemplateRow = Template;

@Injectable()
export class TemplatesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates or replaces the template (channel, name, language). */
  upsert(data: Prisma.TemplateUncheckedCreateInput): Promise<TemplateRow> {
    const { channelId, name, language, ...rest } = data;
    return this.prisma.template.upsert({
      where: { channelId_name_language: { channelId, name, language } },
      create: data,
      update: rest,
    });
  }

  /** Through the pg pool: the worker looks templates up when it sends, and otherwise needs no Prisma query. */
  async find(channelId: string, name: string, language: string): Promise<TemplateRow | null> {
    const { rows } = await this.prisma.pool.query<TemplateRow>(
      `SELECT id, channel_id AS "channelId", name, language, category, status, parameters, content,
         created_at AS "createdAt", updated_at AS "updatedAt"
       FROM template WHERE channel_id = $1::uuid AND name = $2 AND language = $3`,
      [channelId, name, language],
    );
    return rows[0] ?? null;
  }

  findById(id: string): Promise<TemplateRow | null> {
    return this.prisma.template.findUnique({ where: { id } });
  }

  list(channelId?: string): Promise<TemplateRow[]> {
    return this.prisma.template.findMany({
      where: channelId ? { channelId } : {},
      orderBy: [{ name: 'asc' }, { language: 'asc' }],
    });
  }

  async delete(id: string): Promise<boolean> {
    const { count } = await this.prisma.template.deleteMany({ where: { id } });
    return count > 0;
  }
}
