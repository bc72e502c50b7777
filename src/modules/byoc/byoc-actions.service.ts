import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@/config';
import { ConflictError, ForbiddenError, ValidationFailedError } from '@/infra/errors/domain-error';
import { CxoneClient } from '@/integrations/cxone/cxone.client';
import { CxoneError, CxoneRejectedError } from '@/integrations/cxone/cxone.errors';
import type { DfoChannel } from '@/integrations/cxone/dfo.types';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';

export type ChannelAction = 'add' | 'reconnect' | 'remove';

export interface ActionQuery {
  userId?: unknown;
  brandId?: unknown;
  token?: unknown;
  apiHost?: unknown;
  backUrl?: unknown;
}

/**
 * The action URLs an admin reaches from CXone's Points of Contact (Add, Reconnect, Remove a BYOC channel): the
 * one-time token is verified with CXone first (a bad or reused token changes nothing), then the brand's BYOC chat
 * channel is created (CXone `POST /channels` with the integration id, and registered in Threadline), updated, or
 * removed (and deactivated here, since campaigns keep their channel), and the browser goes back to `backUrl`, which
 * must be on a CXone host (BYOC_ACTION_BACK_URL_HOSTS) so the URLs cannot be used as an open redirect.
 */
@Injectable()
export class ByocActionsService {
  private readonly logger = new Logger(ByocActionsService.name);

  constructor(
    private readonly cxone: CxoneClient,
    private readonly accounts: AccountsService,
    private readonly channels: ChannelsService,
    private readonly config: AppConfig,
  ) {}

  /** Carries out the action; returns where to send the browser. */
  async run(action: ChannelAction, query: ActionQuery): Promise<string> {
    const { userId, brandId, token, backUrl } = this.read(query);
    const integrationId = this.config.byoc.integrationId;
    if (!integrationId) {
      throw new ConflictError('BYOC_INTEGRATION_ID is not configured: set it to your CXone BYOC integration id');
    }
    const accountId = await this.accounts.defaultAccountId();
    const account = await this.accounts.resolve(accountId);
    let accessToken: string;
    try {
      ({ accessToken } = await this.cxone.verifyOneTimeToken(account, {
        brandId,
        userId,
        token,
        purpose: 'channel-integration',
      }));
    } catch (err) {
      if (!(err instanceof CxoneError)) throw err;
      throw new ForbiddenError(`CXone refused the one-time token (${err.message}); nothing was changed`);
    }

    const existing = (await this.channels.byBrand(accountId, integrationId, brandId)) ?? null;
    if (action === 'remove') {
      if (existing) {
        await this.cxone.deleteChannel(account, existing.cxoneChannelId, accessToken).catch((err: unknown) => {
          if (!(err instanceof CxoneRejectedError && err.httpStatus === 404)) throw err;
        });
        await this.channels.setActive(existing.id, false);
        this.logger.log({ channelId: existing.id, brandId }, 'BYOC channel removed through the action URL');
      }
      return backUrl;
    }
    if (action === 'reconnect' && !existing) {
      throw new ConflictError(`brand ${brandId} has no BYOC channel to reconnect: add it first`);
    }
    const cxoneChannelId = existing?.cxoneChannelId ?? `chat_${randomUUID()}`;
    await this.cxone.createChannel(account, dfoChannel(cxoneChannelId, integrationId), accessToken);
    const channel = await this.channels.ensure({
      accountId,
      cxoneChannelId,
      kind: 'BYOC_CHAT',
      name: `Threadline chat (brand ${brandId})`,
      integrationId,
    });
    await this.channels.attachBrand(channel.id, brandId);
    this.logger.log(
      { channelId: channel.id, cxoneChannelId, brandId, action },
      'BYOC channel set up through the action URL',
    );
    return backUrl;
  }

  private read(query: ActionQuery): { userId: number; brandId: number; token: string; backUrl: string } {
    const problems: Array<{ field: string; problems: string[] }> = [];
    const int = (value: unknown, field: string): number => {
      const n = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) problems.push({ field, problems: ['must be a whole number'] });
      return n;
    };
    const userId = int(query.userId, 'userId');
    const brandId = int(query.brandId, 'brandId');
    const token = typeof query.token === 'string' && /^[\x21-\x7e]{1,2000}$/.test(query.token) ? query.token : '';
    if (!token) problems.push({ field: 'token', problems: ['is required'] });
    const backUrl = typeof query.backUrl === 'string' ? query.backUrl : '';
    if (!this.allowedBackUrl(backUrl)) {
      problems.push({
        field: 'backUrl',
        problems: [`must be an https URL on ${this.config.byoc.backUrlHosts.join(', ')}`],
      });
    }
    if (problems.length > 0) {
      throw new ValidationFailedError(problems.map((p) => `${p.field} ${p.problems.join(', ')}`).join('; '), problems);
    }
    return { userId, brandId, token, backUrl };
  }

  private allowedBackUrl(value: string): boolean {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    const host = url.hostname.toLowerCase();
    const local = ['127.0.0.1', 'localhost', '::1'].includes(host);
    if (url.protocol !== 'https:' && !(local && url.protocol === 'http:')) return false;
    return this.config.byoc.backUrlHosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
  }
}

function dfoChannel(id: string, integrationId: string): DfoChannel {
  return {
    id,
    idOnExternalPlatform: id,
    channelIntegrationId: integrationId,
    realExternalPlatformId: 'custom',
    name: 'Threadline chat',
    isPrivate: true,
    hasTreeStructure: false,
    hasOutboundFlow: true,
    hasManualOutboundFlow: true,
    canSendSenderActions: true,
    isLiveChat: true,
  };
}
