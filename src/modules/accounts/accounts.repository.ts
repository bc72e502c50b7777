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

const ACCOUNT_COLUMNS = `id, name, auth_mode AS "authMode", issuer_url AS "issuerUrl", api_base_url AS "apiBaseUrl",
  token_url AS "tokenUrl", dfo_base_template AS "dfoBaseTemplate", client_id AS "clientId",
  client_secret_enc AS "clientSecretEnc", access_key_id_enc AS "accessKeyIdEnc",
  access_key_secret_enc AS "accessKeySecretEnc", rate_limit_per_second AS "rateLimitPerSecond",
  webhook_secret_enc AS "webhookSecretEnc", is_default AS "isDefault", created_at AS "createdAt",
  updated_at AS "updatedAt"`;

/**
 * CXone accounts. The reads every role makes (the worker at boot and on every sweep) go through the pg pool: a worker
 * that never runs a Prisma query never loads Prisma's query compiler (~70 MB of resident memory).
 */
@Injectable()
export class AccountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(): Promise<AccountRow[]> {
    const { rows } = await this.prisma.pool.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM cxone_account ORDER BY created_at`,
    );
    return rows;
  }

  async findById(id: string): Promise<AccountRow | null> {
    const { rows } = await this.prisma.pool.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM cxone_account WHERE id = $1::uuid`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findDefault(): Promise<AccountRow | null> {
    const { rows } = await this.prisma.pool.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM cxone_account WHERE is_default LIMIT 1`,
    );
    return rows[0] ?? null;
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
