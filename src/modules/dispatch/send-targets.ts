import { Injectable } from '@nestjs/common';
import type { CxoneAccountRef } from '@/integrations/cxone/cxone.client';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelInfo, ChannelsService } from '@/modules/channels/channels.service';

/** Where one send goes: the channel (as CXone knows it) and the CXone account behind it. */
export interface SendTarget {
  channel: ChannelInfo;
  account: CxoneAccountRef;
}

/** Resolves a campaign's channel to its CXone channel and account, from short-lived caches (read for every send). */
@Injectable()
export class SendTargets {
  constructor(
    private readonly channels: ChannelsService,
    private readonly accounts: AccountsService,
  ) {}

  async of(channelId: string): Promise<SendTarget> {
    const channel = await this.channels.cachedInfo(channelId);
    return { channel, account: await this.accounts.resolve(channel.accountId) };
  }
}
