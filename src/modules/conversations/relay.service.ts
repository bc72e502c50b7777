import { Injectable, Logger } from '@nestjs/common';
import { CxoneClient } from '@/integrations/cxone/cxone.client';
import { CxoneRateLimitedError, CxoneRejectedError, CxoneAuthError } from '@/integrations/cxone/cxone.errors';
import type { DfoMessageContent } from '@/integrations/cxone/dfo.types';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { MessagesService } from '@/modules/messages/messages.service';
import { ThreadsService } from '@/modules/threads/threads.service';
import { ConversationEvents } from './conversation-events';
import { customerState } from './conversation-views';
import { clientMessageIdOf } from './conversation-ids';

export type RelayResult =
  | { kind: 'done'; outcome: 'relayed' | 'obsolete' | 'failed' }
  /** CXone asked to slow down: again after `delayMs`, no attempt spent. */
  | { kind: 'later'; delayMs: number }
  /** A transient failure: retried with backoff by the queue, FAILED after the last attempt. */
  | { kind: 'retry'; error: Error };

/**
 * Relays a stored customer message to CXone (DFO create message) with its stable idOnExternalPlatform, its thread's
 * id and the customer's identity, so a retry is recognised as the same message. A CXone outage or 429 delays the
 * message, never loses or duplicates it; the customer's widgets see its state (sending → delivered, or failed).
 */
@Injectable()
export class RelayService {
  private readonly logger = new Logger(RelayService.name);

  constructor(
    private readonly messages: MessagesService,
    private readonly threads: ThreadsService,
    private readonly channels: ChannelsService,
    private readonly accounts: AccountsService,
    private readonly cxone: CxoneClient,
    private readonly events: ConversationEvents,
  ) {}

  async relay(messageId: string, lastAttempt: boolean): Promise<RelayResult> {
    const message = await this.messages.findForRelay(messageId);
    if (!message || !['RECEIVED', 'QUEUED'].includes(message.status)) return { kind: 'done', outcome: 'obsolete' };
    const channel = await this.channels.cachedInfo(message.channelId);
    const account = await this.accounts.resolve(channel.accountId);
    try {
      const sent = await this.cxone.createMessage(account, channel.cxoneChannelId, {
        messageExternalId: message.idOnExternalPlatform,
        threadExternalId: message.threadExternalId,
        content: message.content as DfoMessageContent,
        author: {
          externalId: message.customerAddress,
          ...(message.customerName ? { firstName: message.customerName } : {}),
        },
        createdAt: message.createdAt,
      });
      await this.threads.setCxoneIds(message.threadId, sent.contactId, sent.threadId);
      await this.finish(message.id, message.threadId, 'SENT', { cxoneMessageId: sent.messageId });
      return { kind: 'done', outcome: 'relayed' };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (err instanceof CxoneRateLimitedError) return { kind: 'later', delayMs: err.retryAfterMs ?? 1000 };
      if (err instanceof CxoneRejectedError || err instanceof CxoneAuthError || lastAttempt) {
        await this.finish(message.id, message.threadId, 'FAILED', { lastError: error.message });
        this.logger.warn({ messageId }, `customer message not relayed to CXone: ${error.message}`);
        return { kind: 'done', outcome: 'failed' };
      }
      await this.messages.noteRelayAttempt(message.id, error.message);
      return { kind: 'retry', error };
    }
  }

  private async finish(
    id: string,
    threadId: string,
    to: 'SENT' | 'FAILED',
    changes: { cxoneMessageId?: string | null; lastError?: string },
  ): Promise<void> {
    const row = await this.messages.transition(id, to, { ...changes, countAttempt: true });
    if (!row) return;
    const thread = await this.threads.findById(threadId);
    if (!thread) return;
    await this.events.publish(thread.contactId, {
      type: 'message-state',
      id: row.id,
      clientMessageId: clientMessageIdOf(row.idOnExternalPlatform),
      state: customerState(row.status),
    });
  }
}
