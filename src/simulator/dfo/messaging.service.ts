import { Injectable } from '@nestjs/common';
import type { DfoChannel, DfoMessageContent, DfoMessageResponse, DfoRecipient } from '@/integrations/cxone/dfo.types';
import { SimClock } from '@/simulator/common/clock';
import { FieldCheck } from '@/simulator/common/field-check';
import { platformMessageId, uuid } from '@/simulator/common/ids';
import { DfoError, DfoNotFoundError, DfoValidationError } from '@/simulator/common/sim-errors';
import {
  ConversationStore,
  mergeCustomFields,
  SimAuthorUser,
  SimContact,
  SimMessage,
  SimThread,
} from '@/simulator/state/conversations';
import { RateLimits } from '@/simulator/state/rate-limits';
import { TenantRegistry } from '@/simulator/state/tenants';
import { SimSettings } from '@/simulator/state/sim-settings';
import { TrafficStats } from '@/simulator/traffic/traffic-stats';
import { ByocDelivery } from '@/simulator/agent/byoc-delivery';
import { NativeOptOut } from '@/simulator/consent/native-opt-out';
import { DfoEvents } from '@/simulator/events/dfo-events.service';
import { toDfoContact, toDfoMessage } from './dfo-mappers';
import {
  authorOf,
  checkTemplateUse,
  contactFieldsOf,
  isTemplateContent,
  validateNewMessage,
  validateOutbound,
} from './dfo-validation';

/** Channels whose outbound DFO hands to a BYOC middleware. */
export function isByocChannel(channel: DfoChannel): boolean {
  return channel.realExternalPlatformId === 'custom' || channel.realExternalPlatformId === 'chat';
}

const PHONE = /^\+?[1-9]\d{6,14}$/;

/**
 * Messages into CXone: create message (customer → CXone, BYOC), outbound (proactive or agent message through the
 * API), and the simulated people (a customer replying on SMS/WhatsApp, an agent answering). Applies DFO's rules:
 * one contact per thread until it is finished, thread locks, dedupe, the WhatsApp window, templates and the limits.
 * Every check runs before anything changes, so a refused request leaves no trace but its log entry.
 */
@Injectable()
export class MessagingService {
  constructor(
    private readonly store: ConversationStore,
    private readonly settings: SimSettings,
    private readonly limits: RateLimits,
    private readonly stats: TrafficStats,
    private readonly byoc: ByocDelivery,
    private readonly tenants: TenantRegistry,
    private readonly optOut: NativeOptOut,
    private readonly events: DfoEvents,
    private readonly clock: SimClock,
  ) {}

  requireChannel(channelId: string): DfoChannel {
    const channel = this.store.channel(channelId);
    if (!channel) throw new DfoNotFoundError(`Channel ${channelId} does not exist`, 'channelId');
    return channel;
  }

  /** POST /channels/{channelId}/messages. */
  createMessage(tenantId: string, channelId: string, body: unknown): DfoMessageResponse {
    const channel = this.requireChannel(channelId);
    const message = validateNewMessage(body);
    if (this.settings.value.dedupeMessages) {
      const first = this.store.firstAnswer(channelId, message.idOnExternalPlatform);
      if (first) {
        this.stats.createMessageAccepted(true);
        return first;
      }
    }
    const now = this.clock.nowMs();
    const thread = this.store.thread(channelId, message.thread.idOnExternalPlatform);
    if (thread) this.requireOpenThread(thread);
    const openContact = thread ? this.store.openContactOf(thread) : undefined;
    if (openContact) this.limits.checkContact(openContact.id, now);

    const author = authorOf(message);
    const endUser = this.store.upsertEndUser(channelId, author);
    const t =
      thread ??
      this.store.createThread({
        channelId,
        idOnExternalPlatform: message.thread.idOnExternalPlatform,
        threadName: message.thread.threadName,
        endUserIdOnExternalPlatform: author.idOnExternalPlatform,
        now,
      });
    if (openContact) this.limits.takeContact(openContact.id, now);
    const contact =
      openContact ??
      this.store.openNewContact({
        thread: t,
        tenantId,
        direction: message.direction,
        status: message.contact?.status ?? 'new',
        recipients: message.recipients ?? [],
        now,
      });
    mergeCustomFields(contact.customFields, withUpdatedAt(contactFieldsOf(message), now));
    const stored = this.store.addMessage({
      idOnExternalPlatform: message.idOnExternalPlatform,
      channelId,
      threadId: t.id,
      threadIdOnExternalPlatform: t.idOnExternalPlatform,
      contactNumber: contact.id,
      direction: message.direction,
      // The external platform's time of the message (validated ISO-8601), as DFO keeps it.
      createdAt: Date.parse(message.createdAtWithMilliseconds),
      messageContent: message.messageContent,
      attachments: message.attachments ?? [],
      authorEndUserIdentity: author,
      authorUser: null,
      recipients: message.recipients ?? [],
      source: 'createMessage',
      deliveryStatus: null,
      deliveryStatusUpdatedAt: null,
    });
    if (message.direction === 'inbound') {
      endUser.lastInboundAt = now;
      this.optOut.onInbound(channel, author.idOnExternalPlatform, message.messageContent, now);
    }
    this.events.inboundMessage(contact, stored, now); // outbound ones are not pushed (DfoEvents decides)
    const answer = this.answer(contact, stored);
    if (this.settings.value.dedupeMessages) {
      this.store.rememberFirstAnswer(channelId, message.idOnExternalPlatform, answer);
    }
    this.stats.createMessageAccepted(false);
    return answer;
  }

  /** POST /channels/{channelId}/outbound. */
  outbound(tenantId: string, channelId: string, body: unknown, at: number): DfoMessageResponse {
    const channel = this.requireChannel(channelId);
    const s = this.settings.value;
    const request = validateOutbound(body, s.recipientsField);
    checkTemplateUse(request.messageContent, this.store.templatesOf(channelId));
    if (s.dedupeMessages && request.idOnExternalPlatform) {
      const first = this.store.firstAnswer(channelId, request.idOnExternalPlatform);
      if (first) {
        this.limits.acquireOutbound(tenantId, at);
        this.stats.outboundDuplicate(tenantId);
        return first;
      }
    }
    const now = this.clock.nowMs();
    const primary = request.recipients.find((r) => r.isPrimary) ?? request.recipients[0];
    this.checkRecipientAddresses(channel, request.recipients);
    this.optOut.refuseOptedOut(channel, request.recipients, request.recipientsField);
    const threadId = request.thread?.idOnExternalPlatform;
    const thread = threadId ? this.store.thread(channelId, threadId) : undefined;
    if (thread) this.requireOpenThread(thread);
    this.checkWhatsAppWindow(channel, primary.idOnExternalPlatform, request.messageContent, now);
    const openContact = thread ? this.store.openContactOf(thread) : undefined;
    if (openContact) this.limits.checkContact(openContact.id, now);
    this.limits.acquireOutbound(tenantId, at);

    // Everything below changes state: no more refusals.
    this.store.upsertEndUser(channelId, {
      idOnExternalPlatform: primary.idOnExternalPlatform,
      ...(primary.name ? { firstName: primary.name } : {}),
    });
    const t =
      thread ??
      this.store.createThread({
        channelId,
        idOnExternalPlatform: threadId ?? uuid(),
        threadName: request.thread?.threadName,
        endUserIdOnExternalPlatform: primary.idOnExternalPlatform,
        now,
      });
    if (openContact) this.limits.takeContact(openContact.id, now);
    const contact =
      openContact ??
      this.store.openNewContact({
        thread: t,
        tenantId,
        direction: 'outbound',
        status: 'new',
        recipients: request.recipients,
        now,
      });
    mergeCustomFields(contact.customFields, withUpdatedAt(request.customFields, now));
    const stored = this.store.addMessage({
      idOnExternalPlatform:
        request.idOnExternalPlatform ??
        (isByocChannel(channel) ? null : platformMessageId(channel.realExternalPlatformId)),
      channelId,
      threadId: t.id,
      threadIdOnExternalPlatform: t.idOnExternalPlatform,
      contactNumber: contact.id,
      direction: 'outbound',
      createdAt: at,
      messageContent: request.messageContent,
      attachments: request.attachments,
      authorEndUserIdentity: null,
      authorUser: null,
      recipients: request.recipients,
      ...(request.title !== undefined ? { title: request.title } : {}),
      source: 'outbound',
      deliveryStatus: null,
      deliveryStatusUpdatedAt: null,
    });
    const answer = this.answer(contact, stored);
    if (s.dedupeMessages && request.idOnExternalPlatform) {
      this.store.rememberFirstAnswer(channelId, request.idOnExternalPlatform, answer);
    }
    this.stats.outboundAccepted(tenantId, at);
    if (isByocChannel(channel) && s.deliverByocOutbound) this.byoc.deliver(channel, contact, stored);
    return answer;
  }

  /**
   * A customer writes on a channel (POST /sim/customer/reply): into the given thread, else their newest open thread,
   * else a new one. A finished contact is followed by a new one; the WhatsApp window opens; on SMS a consent keyword
   * opts the sender out or in (NativeOptOut).
   */
  customerReply(input: {
    channelId: string;
    from: string;
    text: string;
    threadIdOnExternalPlatform?: string;
    firstName?: string;
    lastName?: string;
  }): DfoMessageResponse {
    const channel = this.requireChannel(input.channelId);
    const now = this.clock.nowMs();
    let thread: SimThread | undefined;
    if (input.threadIdOnExternalPlatform) {
      thread = this.store.thread(input.channelId, input.threadIdOnExternalPlatform);
      if (!thread) throw new DfoNotFoundError(`Thread ${input.threadIdOnExternalPlatform} does not exist`);
      this.requireOpenThread(thread);
    } else {
      const latest = this.store.latestThreadOf(input.channelId, input.from);
      thread = latest?.canAddMoreMessages ? latest : undefined;
    }
    const endUser = this.store.upsertEndUser(input.channelId, {
      idOnExternalPlatform: input.from,
      ...(input.firstName !== undefined ? { firstName: input.firstName } : {}),
      ...(input.lastName !== undefined ? { lastName: input.lastName } : {}),
    });
    const t =
      thread ??
      this.store.createThread({
        channelId: input.channelId,
        idOnExternalPlatform: uuid(),
        endUserIdOnExternalPlatform: input.from,
        now,
      });
    const contact = this.currentOrNewContact(t, 'inbound', now);
    const stored = this.store.addMessage({
      idOnExternalPlatform: `sim-in-${uuid()}`,
      channelId: input.channelId,
      threadId: t.id,
      threadIdOnExternalPlatform: t.idOnExternalPlatform,
      contactNumber: contact.id,
      direction: 'inbound',
      createdAt: now,
      messageContent: { type: 'TEXT', payload: { text: input.text } },
      attachments: [],
      authorEndUserIdentity: { idOnExternalPlatform: input.from },
      authorUser: null,
      recipients: [],
      source: 'customer',
      deliveryStatus: null,
      deliveryStatusUpdatedAt: null,
    });
    endUser.lastInboundAt = now;
    this.optOut.onInbound(channel, input.from, stored.messageContent, now);
    this.events.inboundMessage(contact, stored, now);
    return this.answer(contact, stored);
  }

  /**
   * An agent's message in a thread (POST /sim/agent/reply and /sim/agent/outbound): stored as outbound in the
   * thread's current contact (or a new one), which becomes `open`. Refused to an opted-out SMS number.
   */
  recordAgentMessage(input: {
    channel: DfoChannel;
    thread: SimThread | null;
    to?: string;
    text: string;
    agent: SimAuthorUser;
  }): { thread: SimThread; contact: SimContact; message: SimMessage } {
    const { channel } = input;
    const now = this.clock.nowMs();
    if (input.thread) this.requireOpenThread(input.thread);
    const endUserId = input.thread?.endUserIdOnExternalPlatform ?? input.to!;
    this.optOut.refuseOptedOut(channel, [{ idOnExternalPlatform: endUserId }]);
    this.checkWhatsAppWindow(channel, endUserId, { type: 'TEXT', payload: { text: input.text } }, now);
    this.store.upsertEndUser(channel.id, { idOnExternalPlatform: endUserId });
    const thread =
      input.thread ??
      this.store.createThread({
        channelId: channel.id,
        idOnExternalPlatform: uuid(),
        endUserIdOnExternalPlatform: endUserId,
        now,
      });
    const contact = this.currentOrNewContact(thread, 'outbound', now);
    this.events.setContactStatus(contact, 'open', now);
    const recipients: DfoRecipient[] = [{ idOnExternalPlatform: endUserId, isPrimary: true }];
    const message = this.store.addMessage({
      idOnExternalPlatform: isByocChannel(channel) ? null : platformMessageId(channel.realExternalPlatformId),
      channelId: channel.id,
      threadId: thread.id,
      threadIdOnExternalPlatform: thread.idOnExternalPlatform,
      contactNumber: contact.id,
      direction: 'outbound',
      createdAt: now,
      messageContent: { type: 'TEXT', payload: { text: input.text } },
      attachments: [],
      authorEndUserIdentity: null,
      authorUser: input.agent,
      recipients,
      source: 'agent',
      deliveryStatus: null,
      deliveryStatusUpdatedAt: null,
    });
    return { thread, contact, message };
  }

  private currentOrNewContact(thread: SimThread, direction: 'inbound' | 'outbound', now: number): SimContact {
    const contact = this.store.openContactOf(thread);
    if (contact) return contact;
    const previous = thread.contactNumbers[thread.contactNumbers.length - 1];
    const tenantId = previous ? this.store.contact(previous)?.tenantId : undefined;
    return this.store.openNewContact({
      thread,
      tenantId: tenantId ?? this.tenants.defaultTenantId,
      direction,
      status: 'new',
      recipients: [{ idOnExternalPlatform: thread.endUserIdOnExternalPlatform, isPrimary: true }],
      now,
    });
  }

  private answer(contact: SimContact, message: SimMessage): DfoMessageResponse {
    return { consumerContact: toDfoContact(contact, this.store), message: toDfoMessage(message) };
  }

  private requireOpenThread(thread: SimThread): void {
    if (!thread.canAddMoreMessages) {
      throw new DfoValidationError([
        {
          field: 'thread.idOnExternalPlatform',
          message: `Thread ${thread.idOnExternalPlatform} is locked: it accepts no more messages`,
          errorCode: 'threadLocked',
        },
      ]);
    }
  }

  /** SMS and WhatsApp deliver to phone numbers [I]: a recipient that is not one is refused. */
  private checkRecipientAddresses(channel: DfoChannel, recipients: readonly DfoRecipient[]): void {
    const platform = channel.realExternalPlatformId;
    if (platform !== 'sms' && platform !== 'whatsapp') return;
    const check = new FieldCheck();
    recipients.forEach((r, i) => {
      if (!PHONE.test(r.idOnExternalPlatform)) {
        check.add(
          `recipients[${i}].idOnExternalPlatform`,
          `${r.idOnExternalPlatform} is not a phone number (E.164) this ${platform} channel can deliver to`,
          'invalidRecipient',
        );
      }
    });
    if (!check.ok) throw new DfoValidationError(check.errors);
  }

  /** WhatsApp: outside 24 h (whatsappWindowHours) from the customer's last inbound message only templates go out. */
  private checkWhatsAppWindow(channel: DfoChannel, endUserId: string, content: DfoMessageContent, now: number): void {
    if (channel.realExternalPlatformId !== 'whatsapp' || isTemplateContent(content)) return;
    const last = this.store.endUser(channel.id, endUserId)?.lastInboundAt ?? null;
    const windowMs = this.settings.value.whatsappWindowHours * 3_600_000;
    if (last !== null && now - last < windowMs) return;
    throw new DfoError(400, [
      {
        field: 'messageContent',
        message:
          last === null
            ? `${endUserId} has never written to this WhatsApp channel: only an approved template can start the conversation`
            : `the 24-hour WhatsApp window for ${endUserId} closed: only an approved template can be sent`,
        errorCode: 'outsideWhatsAppWindow',
      },
    ]);
  }
}

function withUpdatedAt(fields: ReadonlyArray<{ ident: string; value: string }>, now: number) {
  const updatedAt = new Date(now).toISOString();
  return fields.map((f) => ({ ...f, updatedAt }));
}
