import { Injectable, Logger } from '@nestjs/common';
import { CxoneClient } from '@/integrations/cxone/cxone.client';
import { CxoneRateLimitedError, CxoneRejectedError } from '@/integrations/cxone/cxone.errors';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { AccountRateLimiter } from '@/modules/dispatch/account-limiter';
import { MessagesService } from '@/modules/messages/messages.service';

/** A 429 without Retry-After pauses the account this long. */
const DEFAULT_PAUSE_MS = 1000;

/**
 * The channel's answer to a customer's HELP, sent in the same thread through CXone within the account's contract
 * rate, with a message id derived from the HELP message's, so a retried job is one message at CXone and here.
 */
@Injectable()
export class HelpReplies {
  private readonly logger = new Logger(HelpReplies.name);

  constructor(
    private readonly messages: MessagesService,
    private readonly channels: ChannelsService,
    private readonly accounts: AccountsService,
    private readonly limiter: AccountRateLimiter,
    private readonly cxone: CxoneClient,
  ) {}

  /** Sends the answer to the customer message `messageId`; 'sent', or why not. */
  async answer(messageId: string): Promise<'sent' | 'no-reply-configured' | 'refused' | 'gone'> {
    const help = await this.messages.findForRelay(messageId);
    if (!help) return 'gone';
    const channel = await this.channels.get(help.channelId);
    if (!channel.helpReply) return 'no-reply-configured';
    const answerId = `th-${help.id}`;
    if (await this.messages.findByExternalId(channel.id, answerId)) return 'sent';
    const account = await this.accounts.resolve(channel.accountId);
    await this.limiter.acquire(account, () => Promise.resolve(true));
    try {
      await this.cxone.sendOutbound(account, channel.cxoneChannelId, {
        content: { type: 'TEXT', text: channel.helpReply },
        to: help.customerAddress,
        threadExternalId: help.threadExternalId,
        messageExternalId: answerId,
      });
    } catch (err) {
      if (err instanceof CxoneRateLimitedError)
        await this.limiter.pause(account.id, err.retryAfterMs ?? DEFAULT_PAUSE_MS);
      if (!(err instanceof CxoneRejectedError)) throw err; // retried by the queue
      this.logger.warn({ messageId, channelId: channel.id }, `CXone refused the help reply: ${err.message}`);
      return 'refused';
    }
    await this.messages.insertOnce({
      channelId: channel.id,
      threadId: help.threadId,
      direction: 'OUTBOUND',
      author: 'SYSTEM',
      idOnExternalPlatform: answerId,
      content: { type: 'TEXT', payload: { text: channel.helpReply } },
      status: 'SENT',
    });
    return 'sent';
  }
}
