import { Injectable } from '@nestjs/common';
import type { Channel, ChannelKind, Prisma } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';

export type ChannelRow = Channel;

@Injectable()
export class ChannelsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: Prisma.ChannelUncheckedCreateInput): Promise<ChannelRow> {
    return this.prisma.channel.create({ data });
  }

  findById(id: string): Promise<ChannelRow | null> {
    return this.prisma.channel.findUnique({ where: { id } });
  }

  list(filter: { accountId?: string; kind?: ChannelKind }): Promise<ChannelRow[]> {
    return this.prisma.channel.findMany({ where: filter, orderBy: { createdAt: 'asc' } });
  }

  update(id: string, data: Prisma.ChannelUncheckedUpdateInput): Promise<ChannelRow> {
    return this.prisma.channel.update({ where: { id }, data });
  }

  delete(id: string): Promise<ChannelRow> {
    return this.prisma.channel.delete({ where: { id } });
  }
}
