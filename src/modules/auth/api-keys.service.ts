import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '@/config';
import { ValidationFailedError } from '@/infra/errors/domain-error';
import { ApiKeyRow, ApiKeysRepository } from './api-keys.repository';
import {
  BootstrapAlreadyDoneError,
  BootstrapDisabledError,
  InvalidApiKeyError,
  ScopesNotGrantableError,
} from './auth.errors';
import { ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './dto/api-key.dto';
import type { ApiKeyPrincipal } from '@/infra/auth/principal';
import { isScope, missingScopes } from '@/infra/auth/scopes';

const KEY_PREFIX = 'tl_';
const SHOWN_PREFIX_LENGTH = 10;
/** lastUsedAt is written at most this often per key, so authentication stays a read. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Who creates a key: an API key, which may grant only scopes it holds itself (`admin` holds them all), or an
 * operator running the CLI next to the database, who may grant any scope.
 */
export type KeyCreator = ApiKeyPrincipal | { kind: 'operator' };
export const OPERATOR: KeyCreator = { kind: 'operator' };

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Admin API keys: `tl_` + 32 random bytes (base64url). Keys are random enough that a plain SHA-256 is the right
 * storage (a slow password hash would only slow every request); only the hash and a short prefix are kept.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly config: AppConfig,
  ) {}

  async create(dto: CreateApiKeyDto, creator: KeyCreator): Promise<CreatedApiKeyResponse> {
    if (creator.kind === 'api-key') {
      const notGrantable = missingScopes(creator.scopes, dto.scopes);
      if (notGrantable.length > 0) throw new ScopesNotGrantableError(notGrantable, creator.scopes);
    }
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now())
      throw new ValidationFailedError('expiresAt must be in the future');
    const key = generateKey();
    const row = await this.repository.create({ ...newKeyFields(key), name: dto.name, scopes: dto.scopes, expiresAt });
    const createdBy = creator.kind === 'api-key' ? creator.keyId : 'operator';
    this.logger.log({ keyId: row.id, scopes: row.scopes, createdBy }, 'API key created');
    return { ...toResponse(row), key };
  }

  async list(): Promise<ApiKeyResponse[]> {
    return (await this.repository.list()).map(toResponse);
  }

  /** Returns false when there is no such key. */
  async revoke(id: string): Promise<boolean> {
    const found = await this.repository.revoke(id);
    if (found) this.logger.log({ keyId: id }, 'API key revoked');
    return found;
  }

  /** Creates the first admin key, given the bootstrap key from the environment; refused once an admin key exists. */
  async bootstrap(presentedBootstrapKey: string | undefined, name = 'bootstrap admin'): Promise<CreatedApiKeyResponse> {
    const expected = this.config.auth.bootstrapKey;
    if (!expected) throw new BootstrapDisabledError();
    if (!presentedBootstrapKey || !constantTimeEquals(presentedBootstrapKey, expected)) {
      throw new InvalidApiKeyError('the bootstrap key is missing or wrong');
    }
    const key = generateKey();
    const row = await this.repository.createIfNoKeyAdmin({
      ...newKeyFields(key),
      name,
      scopes: ['admin'],
      expiresAt: null,
    });
    if (!row) throw new BootstrapAlreadyDoneError();
    this.logger.log({ keyId: row.id }, 'first admin API key created from the bootstrap key');
    return { ...toResponse(row), key };
  }

  /** Resolves a presented key to its principal; throws InvalidApiKeyError for unknown, expired or revoked keys. */
  async authenticate(presented: string): Promise<ApiKeyPrincipal> {
    if (!presented.startsWith(KEY_PREFIX)) throw new InvalidApiKeyError();
    const row = await this.repository.findByHash(hashApiKey(presented));
    const now = new Date();
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) throw new InvalidApiKeyError();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      this.repository
        .touch(row.id, now)
        .catch((err: Error) => this.logger.warn(`could not record key use: ${err.message}`));
    }
    return { kind: 'api-key', keyId: row.id, name: row.name, scopes: row.scopes.filter(isScope) };
  }
}

function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

function newKeyFields(key: string): { prefix: string; keyHash: string } {
  return { prefix: key.slice(0, SHOWN_PREFIX_LENGTH), keyHash: hashApiKey(key) };
}

function constantTimeEquals(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

function toResponse(row: ApiKeyRow): ApiKeyResponse {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.filter(isScope),
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
