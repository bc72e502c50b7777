import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ExpiringCache } from '@/infra/cache/expiring-cache';
import { SecretBox } from '@/infra/crypto/secret-box';
import { ValidationFailedError } from '@/infra/errors/domain-error';
import { LiveEvents } from '@/infra/live/live-events';
import { withDeadline } from '@/infra/time/deadline';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { DEFAULT_KEYWORDS } from './keywords';
import { ChannelRow, ChannelsRepository, NewChannel } from './channels.repository';
import { ChannelInactiveError, ChannelNotFoundError } from './channels.errors';
import { ChannelResponse, CreateChannelDto, ListChannelsQuery, UpdateChannelDto } from './dto/channel.dto';

/** A BYOC chat channel as the conversation modules need it. */
export interface ByocChannel extends ChannelInfo {
  integrationId: string | null;
  cxoneBrandId: number | null;
  widgetOrigins: string[];
  idlePromptSeconds: number;
  idleEndSeconds: number;
  /** Sealed (SecretBox) secret the business signs customer ids with; null: anonymous visitors only. */
  identitySecretEnc: string | null;
}

/** A channel as customer messages arriving on it need it: its keyword lists (empty: the defaults), the help reply. */
export interface InboundChannel extends ChannelInfo {
  optOutKeywords: string[];
  optInKeywords: string[];
  helpKeywords: string[];
  helpReply: string | null;
}

/** What other modules need to know about a channel. */
export interface ChannelInfo {
  id: string;
  accountId: string;
  cxoneChannelId: string;
  kind: ChannelRow['kind'];
  isActive: boolean;
}

/** Topic on which every replica hears that a channel changed, so its cached copy goes (the TTLs bound the rest). */
const CHANGED_TOPIC = 'channel-changed';
/** A change is saved without waiting longer than this for Redis to pass it on. */
const ANNOUNCE_TIMEOUT_MS = 1000;

@Injectable()
export class ChannelsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChannelsService.name);
  private readonly infoCache = new ExpiringCache<string, ChannelInfo>(10_000);
  private readonly byocCache = new ExpiringCache<string, ByocChannel>(5_000);
  /** BYOC channels by CXone channel id, for the callbacks CXone makes (every agent message names its channel). */
  private readonly byCxoneIdCache = new ExpiringCache<string, ByocChannel[]>(5_000);
  /** Channels by account and CXone id, for CXone's events and reconciliation (every customer message names one). */
  private readonly inboundCache = new ExpiringCache<string, ChannelRow | null>(5_000);
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly repository: ChannelsRepository,
    private readonly accounts: AccountsService,
    private readonly secrets: SecretBox,
    private readonly live: LiveEvents,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.live.subscribe(CHANGED_TOPIC, (payload) => {
      const id = (payload as { id?: unknown } | null)?.id;
      if (typeof id === 'string') this.dropCached(id);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** A BYOC channel's identity secret, opened (for checking signed customer ids). */
  identitySecret(channel: ByocChannel): string | null {
    return channel.identitySecretEnc ? this.secrets.open(channel.identitySecretEnc) : null;
  }

  async create(dto: CreateChannelDto): Promise<ChannelResponse> {
    const accountId = dto.accountId ?? (await this.accounts.defaultAccountId());
    await this.accounts.get(accountId); // 404 for an unknown account
    const row = await this.repository.create({
      accountId,
      cxoneChannelId: dto.cxoneChannelId,
      kind: dto.kind,
      name: dto.name,
      integrationId: dto.integrationId ?? null,
    });
    this.logger.log({ channelId: row.id, cxoneChannelId: row.cxoneChannelId, kind: row.kind }, 'channel registered');
    return toResponse(row);
  }

  async list(query: ListChannelsQuery): Promise<ChannelResponse[]> {
    return (await this.repository.list(query)).map(toResponse);
  }

  async get(id: string): Promise<ChannelResponse> {
    return toResponse(await this.row(id));
  }

  async update(id: string, dto: UpdateChannelDto): Promise<ChannelResponse> {
    const current = await this.row(id);
    const byocOnly = (['widgetOrigins', 'idlePromptSeconds', 'idleEndSeconds', 'identitySecret'] as const).filter(
      (field) => dto[field] !== undefined,
    );
    if (byocOnly.length > 0 && current.kind !== 'BYOC_CHAT') {
      throw new ValidationFailedError(`${byocOnly.join(', ')}: only BYOC_CHAT channels have these settings`, [
        ...byocOnly.map((field) => ({ field, problems: ['only BYOC_CHAT channels have this setting'] })),
      ]);
    }
    const row = await this.repository.update(id, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.isActive !== undefined ? { isActive: dto.isActive } : {}),
      ...(dto.widgetOrigins !== undefined
        ? { widgetOrigins: [...new Set(dto.widgetOrigins.map((o) => o.toLowerCase()))] }
        : {}),
      ...(dto.idlePromptSeconds !== undefined ? { idlePromptSeconds: dto.idlePromptSeconds } : {}),
      ...(dto.idleEndSeconds !== undefined ? { idleEndSeconds: dto.idleEndSeconds } : {}),
      ...(dto.identitySecret !== undefined ? { identitySecretEnc: this.secrets.seal(dto.identitySecret) } : {}),
      ...(dto.optOutKeywords !== undefined ? { optOutKeywords: uniqueKeywords(dto.optOutKeywords) } : {}),
      ...(dto.optInKeywords !== undefined ? { optInKeywords: uniqueKeywords(dto.optInKeywords) } : {}),
      ...(dto.helpKeywords !== undefined ? { helpKeywords: uniqueKeywords(dto.helpKeywords) } : {}),
      ...(dto.helpReply !== undefined ? { helpReply: dto.helpReply } : {}),
    });
    await this.forget(id);
    return toResponse(row);
  }

  async delete(id: string): Promise<void> {
    await this.row(id);
    await this.repository.delete(id);
    await this.forget(id);
  }

  /** The account's channel with this CXone id, registered now if it is not yet. */
  async ensure(channel: NewChannel): Promise<ChannelInfo> {
    const row = await this.repository.ensure(channel);
    await this.forget(row.id);
    return toInfo(row);
  }

  /** Every browser origin some BYOC chat channel allows (for CORS preflights, which carry no session). */
  allWidgetOrigins(): Promise<string[]> {
    return this.repository.allWidgetOrigins();
  }

  async byBrand(accountId: string, integrationId: string, brandId: number): Promise<ByocChannel | null> {
    const row = await this.repository.findByBrand(accountId, integrationId, brandId);
    return row ? toByoc(row) : null;
  }

  async setActive(id: string, isActive: boolean): Promise<void> {
    await this.repository.update(id, { isActive });
    await this.forget(id);
  }

  /** The channel belongs to this CXone brand (and is active again). */
  async attachBrand(id: string, brandId: number): Promise<void> {
    await this.repository.update(id, { cxoneBrandId: brandId, isActive: true });
    await this.forget(id);
  }

  /** The account's channel with this CXone id, with what customer messages on it need (keywords, the help reply). */
  async inboundChannel(accountId: string, cxoneChannelId: string): Promise<InboundChannel | null> {
    const row = await this.inboundCache.get(`${accountId}/${cxoneChannelId}`, async () =>
      this.repository.findByAccountAndCxoneId(accountId, cxoneChannelId),
    );
    if (!row) this.inboundCache.delete(`${accountId}/${cxoneChannelId}`); // unknown ids are not remembered
    return row ? toInbound(row) : null;
  }

  /** The BYOC chat channels with this CXone channel id (callbacks name channels by CXone's id). */
  async byocByCxoneId(cxoneChannelId: string): Promise<ByocChannel[]> {
    return (await this.repository.findByCxoneId(cxoneChannelId, 'BYOC_CHAT')).map(toByoc);
  }

  /** byocByCxoneId(), reused for a few seconds (dropped on every replica when a channel changes). */
  async cachedByocByCxoneId(cxoneChannelId: string): Promise<ByocChannel[]> {
    const found = await this.byCxoneIdCache.get(cxoneChannelId, () => this.byocByCxoneId(cxoneChannelId));
    if (found.length === 0) this.byCxoneIdCache.delete(cxoneChannelId); // unknown ids are not remembered
    return found;
  }

  /** Drops the cached copies here and, through Redis, on every other replica (best effort: the TTLs bound it). */
  private async forget(id: string): Promise<void> {
    this.dropCached(id);
    await withDeadline(this.live.publish(CHANGED_TOPIC, { id }), ANNOUNCE_TIMEOUT_MS, 'Redis').catch((err: unknown) =>
      this.logger.warn(`channel change not announced to other replicas: ${String(err)}`),
    );
  }

  private dropCached(id: string): void {
    this.infoCache.delete(id);
    this.byocCache.delete(id);
    this.byCxoneIdCache.clear();
    this.inboundCache.clear();
  }

  /** A BYOC chat channel's settings (idle times, widget origins, identity secret), by Threadline id. */
  async byoc(id: string): Promise<ByocChannel> {
    const row = await this.row(id);
    if (row.kind !== 'BYOC_CHAT') throw new ChannelNotFoundError(id);
    return toByoc(row);
  }

  /** byoc(), reused for a few seconds: for the widget API and callbacks, which read it on every request. */
  cachedByoc(id: string): Promise<ByocChannel> {
    return this.byocCache.get(id, () => this.byoc(id));
  }

  /** The channel for sending; throws when it does not exist or is inactive. */
  async requireActive(id: string): Promise<ChannelInfo> {
    const row = await this.row(id);
    if (!row.isActive) throw new ChannelInactiveError(id);
    return toInfo(row);
  }

  async info(id: string): Promise<ChannelInfo> {
    return toInfo(await this.row(id));
  }

  /** info(), reused for up to 10 s: for the send path, which reads it for every message. */
  cachedInfo(id: string): Promise<ChannelInfo> {
    return this.infoCache.get(id, () => this.info(id));
  }

  private async row(id: string): Promise<ChannelRow> {
    const row = await this.repository.findById(id);
    if (!row) throw new ChannelNotFoundError(id);
    return row;
  }
}

function toInfo(row: ChannelRow): ChannelInfo {
  return {
    id: row.id,
    accountId: row.accountId,
    cxoneChannelId: row.cxoneChannelId,
    kind: row.kind,
    isActive: row.isActive,
  };
}

function toByoc(row: ChannelRow): ByocChannel {
  return {
    ...toInfo(row),
    integrationId: row.integrationId,
    cxoneBrandId: row.cxoneBrandId,
    widgetOrigins: row.widgetOrigins,
    idlePromptSeconds: row.idlePromptSeconds,
    idleEndSeconds: row.idleEndSeconds,
    identitySecretEnc: row.identitySecretEnc,
  };
}

function toInbound(row: ChannelRow): InboundChannel {
  return {
    ...toInfo(row),
    optOutKeywords: row.optOutKeywords,
    optInKeywords: row.optInKeywords,
    helpKeywords: row.helpKeywords,
    helpReply: row.helpReply,
  };
}

/** Keywords as stored: upper case, each once, in the order given. */
function uniqueKeywords(keywords: string[]): string[] {
  return [...new Set(keywords.map((k) => k.toUpperCase()))];
}

function toResponse(row: ChannelRow): ChannelResponse {
  return {
    id: row.id,
    accountId: row.accountId,
    cxoneChannelId: row.cxoneChannelId,
    kind: row.kind,
    name: row.name,
    integrationId: row.integrationId,
    isActive: row.isActive,
    widgetOrigins: row.widgetOrigins,
    idlePromptSeconds: row.idlePromptSeconds,
    idleEndSeconds: row.idleEndSeconds,
    hasIdentitySecret: row.identitySecretEnc !== null,
    optOutKeywords: row.optOutKeywords.length ? row.optOutKeywords : [...DEFAULT_KEYWORDS.optOut],
    optInKeywords: row.optInKeywords.length ? row.optInKeywords : [...DEFAULT_KEYWORDS.optIn],
    helpKeywords: row.helpKeywords.length ? row.helpKeywords : [...DEFAULT_KEYWORDS.help],
    helpReply: row.helpReply,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
