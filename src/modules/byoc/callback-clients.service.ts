import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig, SIMULATOR_CHAT_CHANNEL_ID } from '@/config';
import type { CxonePrincipal } from '@/infra/auth/principal';
import { Clock } from '@/infra/time/clock';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { CallbackClientNotFoundError, OAuthError } from './byoc.errors';
import { ByocTokens, IssuedToken } from './byoc-tokens';
import { CallbackClientRow, CallbackClientsRepository } from './callback-clients.repository';
import {
  CallbackClientResponse,
  CreateCallbackClientDto,
  CreatedCallbackClientResponse,
  RotatedCallbackClientResponse,
} from './dto/callback-client.dto';

const SECRET_PREFIX = 'tlcs_';

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * The credentials CXone uses to call Threadline (an admin enters them in CXone's BYOC integration form): per BYOC
 * channel, created, listed, rotated (the old secret keeps working for BYOC_SECRET_GRACE_SECONDS) and revoked through
 * the admin API; the secret is shown once and stored as its SHA-256. With the simulator as tenant (not in
 * production) the simulator's chat channel and its middleware credentials exist from the first start.
 */
@Injectable()
export class CallbackClientsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CallbackClientsService.name);

  constructor(
    private readonly repository: CallbackClientsRepository,
    private readonly tokens: ByocTokens,
    private readonly channels: ChannelsService,
    private readonly accounts: AccountsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.byoc.seedDevelopmentChannel || !this.config.app.runsApi) return;
    const accountId = await this.accounts.defaultAccountId();
    const channel = await this.channels.ensure({
      accountId,
      cxoneChannelId: SIMULATOR_CHAT_CHANNEL_ID,
      kind: 'BYOC_CHAT',
      name: 'Threadline chat (simulator)',
      integrationId: this.config.byoc.integrationId,
    });
    const { middlewareClientId: clientId, middlewareClientSecret: secret } = this.config.simulator;
    const existing = await this.repository.findByClientId(clientId);
    if (!existing) {
      await this.repository
        .create({
          clientId,
          secretHash: hashSecret(secret).toString('hex'),
          name: 'CXone simulator',
          channelId: channel.id,
        })
        .catch((err: unknown) => {
          // another api replica seeded it at the same moment
          if (!(err instanceof Error && err.name === 'CallbackClientIdTakenError')) throw err;
        });
      this.logger.log({ channelId: channel.id, clientId }, 'development BYOC channel and simulator credentials ready');
    }
  }

  async create(channelId: string, dto: CreateCallbackClientDto): Promise<CreatedCallbackClientResponse> {
    const channel = await this.channels.info(channelId);
    const clientId = `tlc_${randomBytes(9).toString('base64url')}`;
    const secret = generateSecret();
    const row = await this.repository.create({
      clientId,
      secretHash: hashSecret(secret).toString('hex'),
      name: dto.name,
      channelId: channel.id,
    });
    this.logger.log({ callbackClientId: row.id, channelId }, 'BYOC callback client created');
    return { ...toResponse(row), clientSecret: secret };
  }

  async list(channelId: string): Promise<CallbackClientResponse[]> {
    await this.channels.info(channelId);
    return (await this.repository.listForChannel(channelId)).map(toResponse);
  }

  async rotate(id: string): Promise<RotatedCallbackClientResponse> {
    const secret = generateSecret();
    const previousValidUntil = new Date(this.clock.now() + this.config.byoc.secretGraceSeconds * 1000);
    const row = await this.repository.rotate(id, hashSecret(secret).toString('hex'), previousValidUntil);
    if (!row) throw new CallbackClientNotFoundError(id);
    this.logger.log({ callbackClientId: id }, 'BYOC callback secret rotated');
    return { ...toResponse(row), clientSecret: secret, previousSecretValidUntil: previousValidUntil.toISOString() };
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.repository.revoke(id))) throw new CallbackClientNotFoundError(id);
    await this.tokens.revokeAll(id);
    this.logger.log({ callbackClientId: id }, 'BYOC callback client revoked');
  }

  /**
   * The token endpoint: client credentials → a short-lived bearer token. The secret is compared in constant time
   * against the current secret (and a rotated-out one still in its grace period).
   */
  async exchange(clientId: string, secret: string): Promise<IssuedToken> {
    const client = await this.repository.findByClientId(clientId);
    const given = hashSecret(secret);
    const valid =
      client !== null &&
      client.revokedAt === null &&
      (matches(given, client.secretHash) ||
        (client.previousSecretHash !== null &&
          client.previousSecretExpiresAt !== null &&
          client.previousSecretExpiresAt.getTime() > this.clock.now() &&
          matches(given, client.previousSecretHash)));
    if (!valid || !client) throw new OAuthError(401, 'invalid_client', 'unknown client or wrong client secret');
    void this.repository.touch(client.id).catch(() => undefined);
    return this.tokens.issue(principalOf(client));
  }
}

function principalOf(client: CallbackClientRow): CxonePrincipal {
  return {
    kind: 'cxone',
    callbackClientId: client.id,
    channelId: client.channelId,
    integrationId: client.integrationId,
  };
}

function matches(given: Buffer, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  return stored.length === given.length && timingSafeEqual(stored, given);
}

function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function toResponse(row: {
  id: string;
  clientId: string;
  name: string;
  channelId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  previousSecretExpiresAt: Date | null;
}): CallbackClientResponse {
  return {
    id: row.id,
    clientId: row.clientId,
    name: row.name,
    channelId: row.channelId,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    previousSecretValidUntil: row.previousSecretExpiresAt?.toISOString() ?? null,
  };
}
