import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  accountSettingsProblems,
  AppConfig,
  CxoneAccountSettings,
  DEFAULT_DFO_BASE_TEMPLATE,
  DEFAULT_RATE_LIMIT_PER_SECOND,
  sameConnection,
} from '@/config';
import { ExpiringCache } from '@/infra/cache/expiring-cache';
import { SecretBox } from '@/infra/crypto/secret-box';
import type { CxoneAccountRef } from '@/integrations/cxone/cxone.client';
import { AccountRow, AccountsRepository, NewAccountRow } from './accounts.repository';
import { AccountNotFoundError, InvalidAccountSettingsError } from './accounts.errors';
import { AccountResponse, CreateAccountDto, UpdateAccountDto } from './dto/account.dto';

/** How long a resolved account (decrypted settings, rate limit) is reused before it is read again. */
const RESOLVE_TTL_MS = 5_000;

/**
 * The CXone tenants Threadline sends through. The default account comes from the environment (the simulator when no
 * tenant is configured) and is written to the database at boot, so every process and every foreign key sees one
 * account table. Credentials are encrypted at rest and never leave this service except to the CXone client.
 */
@Injectable()
export class AccountsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AccountsService.name);
  private readonly resolved = new ExpiringCache<string, CxoneAccountRef>(RESOLVE_TTL_MS);
  private readonly webhookSecrets = new ExpiringCache<string, string | null>(RESOLVE_TTL_MS);

  constructor(
    private readonly repository: AccountsRepository,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const account = await this.syncDefaultAccount();
    this.logger.log(
      `default CXone account ${account.id}: ${this.config.cxone.tenantConfigured ? 'the configured tenant' : `the simulator at ${this.config.simulator.url}`}`,
    );
  }

  async list(): Promise<AccountResponse[]> {
    return (await this.repository.list()).map(toResponse);
  }

  async get(id: string): Promise<AccountResponse> {
    return toResponse(await this.row(id));
  }

  async create(dto: CreateAccountDto): Promise<AccountResponse> {
    const settings: CxoneAccountSettings = {
      name: dto.name,
      authMode: dto.authMode,
      issuerUrl: stripSlash(dto.issuerUrl),
      apiBaseUrl: stripSlash(dto.apiBaseUrl),
      tokenUrl: dto.tokenUrl ?? null,
      dfoBaseTemplate: dto.dfoBaseTemplate ?? DEFAULT_DFO_BASE_TEMPLATE,
      clientId: dto.clientId,
      clientSecret: dto.clientSecret,
      accessKeyId: dto.accessKeyId ?? null,
      accessKeySecret: dto.accessKeySecret ?? null,
      rateLimitPerSecond: dto.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND,
    };
    const problems = accountSettingsProblems(settings);
    if (problems.length > 0) throw new InvalidAccountSettingsError(problems.join('; '), problems);
    const row = await this.repository.create({ ...this.toRow(settings), isDefault: false });
    this.logger.log({ accountId: row.id, name: row.name }, 'CXone account created');
    return toResponse(row);
  }

  async update(id: string, dto: UpdateAccountDto): Promise<AccountResponse> {
    const current = await this.row(id);
    if (dto.accessKeySecret && current.authMode !== 'PASSWORD') {
      throw new InvalidAccountSettingsError('accessKeySecret only applies to PASSWORD accounts');
    }
    const row = await this.repository.update(id, {
      ...(dto.rateLimitPerSecond !== undefined ? { rateLimitPerSecond: dto.rateLimitPerSecond } : {}),
      ...(dto.clientSecret !== undefined ? { clientSecretEnc: this.secrets.seal(dto.clientSecret) } : {}),
      ...(dto.accessKeySecret !== undefined ? { accessKeySecretEnc: this.secrets.seal(dto.accessKeySecret) } : {}),
      ...(dto.webhookSecret !== undefined
        ? { webhookSecretEnc: dto.webhookSecret === null ? null : this.secrets.seal(dto.webhookSecret) }
        : {}),
    });
    this.webhookSecrets.delete(id);
    this.resolved.delete(id);
    this.logger.log({ accountId: id, rateLimitPerSecond: row.rateLimitPerSecond }, 'CXone account updated');
    return toResponse(row);
  }

  /** The account with its decrypted settings, for the CXone client and the dispatcher (cached briefly). */
  resolve(id: string): Promise<CxoneAccountRef> {
    return this.resolved.get(id, async () => ({ id, settings: this.settingsOf(await this.row(id)) }));
  }

  /**
   * The secret CXone's pushes for this account must carry; null: none set (pushes are refused). With the simulator
   * as tenant (not in production) the default account accepts the simulator's development secret.
   * Throws AccountNotFoundError for an unknown account.
   */
  webhookSecret(id: string): Promise<string | null> {
    return this.webhookSecrets.get(id, async () => {
      const row = await this.row(id);
      if (row.webhookSecretEnc) return this.secrets.open(row.webhookSecretEnc);
      const simulatorTenant = !this.config.cxone.tenantConfigured && this.config.app.env !== 'production';
      return row.isDefault && simulatorTenant ? this.config.simulator.webhookSecret : null;
    });
  }

  async defaultAccountId(): Promise<string> {
    return (await this.repository.findDefault())?.id ?? (await this.syncDefaultAccount()).id;
  }

  async allIds(): Promise<string[]> {
    return (await this.repository.list()).map((a) => a.id);
  }

  /**
   * Writes the environment's account as the default one; leaves it alone when nothing changed. The rate limit is
   * only the initial value: a rate changed at run time (PATCH /accounts) survives restarts.
   */
  private async syncDefaultAccount(): Promise<AccountRow> {
    const settings = this.config.cxone.defaultAccount;
    const existing = await this.repository.findDefault();
    if (existing && this.sameSettings(existing, settings)) return existing;
    const { rateLimitPerSecond, ...connection } = this.toRow(settings);
    const row = await this.repository.upsertDefault(connection, { rateLimitPerSecond });
    this.resolved.delete(row.id);
    return row;
  }

  /** Whether the row already connects the way `s` says (its name and rate are the row's own business). */
  private sameSettings(row: AccountRow, s: CxoneAccountSettings): boolean {
    try {
      return sameConnection(this.settingsOf(row), s);
    } catch {
      return false; // sealed with another key: rewrite
    }
  }

  /** The row's settings with its secrets decrypted (the inverse of toRow). */
  private settingsOf(row: AccountRow): CxoneAccountSettings {
    return {
      name: row.name,
      authMode: row.authMode,
      issuerUrl: row.issuerUrl,
      apiBaseUrl: row.apiBaseUrl,
      tokenUrl: row.tokenUrl,
      dfoBaseTemplate: row.dfoBaseTemplate,
      clientId: row.clientId,
      clientSecret: this.secrets.open(row.clientSecretEnc),
      accessKeyId: row.accessKeyIdEnc ? this.secrets.open(row.accessKeyIdEnc) : null,
      accessKeySecret: row.accessKeySecretEnc ? this.secrets.open(row.accessKeySecretEnc) : null,
      rateLimitPerSecond: row.rateLimitPerSecond,
    };
  }

  private toRow(s: CxoneAccountSettings): Omit<NewAccountRow, 'isDefault'> {
    return {
      name: s.name,
      authMode: s.authMode,
      issuerUrl: s.issuerUrl,
      apiBaseUrl: s.apiBaseUrl,
      tokenUrl: s.tokenUrl,
      dfoBaseTemplate: s.dfoBaseTemplate,
      clientId: s.clientId,
      clientSecretEnc: this.secrets.seal(s.clientSecret),
      accessKeyIdEnc: s.accessKeyId ? this.secrets.seal(s.accessKeyId) : null,
      accessKeySecretEnc: s.accessKeySecret ? this.secrets.seal(s.accessKeySecret) : null,
      rateLimitPerSecond: s.rateLimitPerSecond,
    };
  }

  private async row(id: string): Promise<AccountRow> {
    const row = await this.repository.findById(id);
    if (!row) throw new AccountNotFoundError(id);
    return row;
  }
}

function stripSlash(url: string | undefined): string | null {
  return url ? url.replace(/\/$/, '') : null;
}

function toResponse(row: AccountRow): AccountResponse {
  return {
    id: row.id,
    name: row.name,
    authMode: row.authMode,
    issuerUrl: row.issuerUrl,
    apiBaseUrl: row.apiBaseUrl,
    tokenUrl: row.tokenUrl,
    dfoBaseTemplate: row.dfoBaseTemplate,
    clientId: row.clientId,
    hasAccessKey: row.accessKeySecretEnc !== null,
    hasWebhookSecret: row.webhookSecretEnc !== null,
    rateLimitPerSecond: row.rateLimitPerSecond,
    isDefault: row.isDefault,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
