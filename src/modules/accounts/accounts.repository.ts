import { Injectable } from '@nestjs/common';
import type { CxoneAccount, Prisma } from '@/infra/prisma/generated/client';
import { PrismaService } from '@/infra/prisma/prisma.service';

export type AccountRow = CxoneAccount;
export type NewAccountRow = Omit<Prisma.CxoneAccountCreateInput, 'channels' | 'id' | 'createdAt' | 'updatedAt'>;
export type AccountChanges = Prisma.CxoneAccountUpdateInput;

@Injectable()
export class AccountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(): Promise<AccountRow[]> {
    return this.prisma.cxoneAccount.findMany({ orderBy: { createdAt: 'asc' } });
  }

  findById(id: string): Promise<AccountRow | null> {
    return this.prisma.cxoneAccount.findUnique({ where: { id } });
  }

  findDefault(): Promise<AccountRow | null> {
    return this.prisma.cxoneAccount.findFirst({ where: { isDefault: true } });
  }

  create(row: NewAccountRow): Promise<AccountRow> {
    return this.prisma.cxoneAccount.create({ data: row });
  }

  update(id: string, changes: AccountChanges): Promise<AccountRow> {
    return this.prisma.cxoneAccount.update({ where: { id }, data: changes });
  }

  /**
   * Makes the default account match `row` (creating it, with `initial` values, on first boot), under a
   * transaction-scoped advisory lock so replicas starting together converge on one default account.
   */
  upsertDefault(
    row: Omit<NewAccountRow, 'rateLimitPerSecond'>,
    initial: Pick<NewAccountRow, 'rateLimitPerSecond'>,
  ): Promise<AccountRow> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('threadline:default-account'))`;
      const existing = await tx.cxoneAccount.findFirst({ where: { isDefault: true } });
      if (existing) return tx.cxoneAccount.update({ where: { id: existing.id }, data: { ...row, isDefault: true } });
      return tx.cxoneAccount.create({ data: { ...row, ...initial, isDefault: true } });
    });
  }
}
