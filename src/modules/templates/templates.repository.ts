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

  find(channelId: string, name: string, language: string): Promise<TemplateRow | null> {
    return this.prisma.template.findUnique({ where: { channelId_name_language: { channelId, name, language } } });
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
