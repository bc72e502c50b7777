import { Injectable } from '@nestjs/common';
import { SimClock } from '@/simulator/common/clock';
import { DfoNotFoundError } from '@/simulator/common/sim-errors';
import { ConversationStore, SimThread } from '@/simulator/state/conversations';
import { validateDeliveryStatus, validateSenderAction, validateThreadUpdate } from './dfo-validation';
import { MessagingService } from './messaging.service';

/** Thread locks, the customer's typing indicator and delivery receipts (cxone-api.md §3.4). */
@Injectable()
export class ThreadsService {
  constructor(
    private readonly store: ConversationStore,
    private readonly messaging: MessagingService,
    private readonly clock: SimClock,
  ) {}

  /** PUT /channels/{channelId}/threads/{threadId} {canAddMoreMessages}. */
  update(channelId: string, threadId: string, body: unknown): void {
    this.messaging.requireChannel(channelId);
    const { canAddMoreMessages } = validateThreadUpdate(body);
    this.require(channelId, threadId).canAddMoreMessages = canAddMoreMessages;
  }

  /** POST /channels/{channelId}/threads/{threadId}/sender-actions {action}. */
  senderAction(channelId: string, threadId: string, body: unknown): void {
    this.messaging.requireChannel(channelId);
    const action = validateSenderAction(body);
    this.require(channelId, threadId).lastSenderAction = { action, at: this.clock.nowIso() };
  }

  /** PUT /channels/{channelId}/messages/{messageIdOnExternalPlatform}/status {status, updatedAt, reason?}. */
  deliveryStatus(channelId: string, messageId: string, body: unknown): void {
    this.messaging.requireChannel(channelId);
    const update = validateDeliveryStatus(body);
    const message = this.store.messageByExternalId(channelId, messageId);
    if (!message) throw new DfoNotFoundError(`Message ${messageId} does not exist on channel ${channelId}`);
    message.deliveryStatus = update.status;
    message.deliveryStatusUpdatedAt = update.updatedAt;
    if (update.reason !== undefined) message.deliveryReason = update.reason;
    else delete message.deliveryReason;
  }

  private require(channelId: string, threadId: string): SimThread {
    const thread = this.store.thread(channelId, threadId);
    if (!thread) throw new DfoNotFoundError(`Thread ${threadId} does not exist on channel ${channelId}`);
    return thread;
  }
}
