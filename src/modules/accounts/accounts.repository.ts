import { Injectable } from '@nestjs/common';
import type { CxoneAccount } from '@/infra/prisma/generated/client';
import { mapConstraintErrors } from '@/infra/prisma/constraint-errors';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { AccountNameTakenError } from './accounts.errors';

export type AccountRow = CxoneAccount;
export type NewAccountRow = Omit<AccountRow, 'id' | 'createdAt' | 'updatedAt' | 'webhookSecretEnc'>;
export type AccountChanges = Partial<
  Pick<AccountRow, 'rateLimitPerSecond' | 'clientSecretEnc' | 'accessKeySecretEnc' | 'webhookSecretEnc'>
>;

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

  /** Throws AccountNameTakenError when the name is taken. */
  create(row: NewAccountRow): Promise<AccountRow> {
    return mapConstraintErrors(() => this.prisma.cxoneAccount.create({ data: row }), {
      unique: () => new AccountNameTakenError(row.name),
    });
  }

  update(id: string, changes: AccountChanges): Promise<AccountRow> {
    return this.prisma.cxoneAccount.update({ where: { id }, data: changes });
  }

  /**
   * Makes the default account match `row` (creating it, with `initial` values, on first boot), under a
   * transaction-scoped advisory lock so replicas starting together converge on one default account.
   */
  upsertDefault(
    row: Omit<NewAccountRow, 'rateLimitPerSecond' | 'isDefault'>,
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
