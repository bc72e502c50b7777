import type {
  DfoContact,
  DfoEndUserIdentity,
  DfoExternalPlatformTemplate,
  DfoMessageDetail,
} from '@/integrations/cxone/dfo.types';
import { isoAt } from '@/simulator/common/clock';
import type {
  ConversationStore,
  SimContact,
  SimMessage,
  SimTemplate,
  SimThread,
} from '@/simulator/state/conversations';

/** A Contact as DFO returns it: the DfoContact fields Threadline reads plus the rest of the public shape. */
export type SimDfoContact = DfoContact & {
  customerContactId: string;
  consumerContactStorageId: string;
  endUser: { id: string; identities: DfoEndUserIdentity[]; customFields: Array<{ ident: string; value: string }> };
  authorEndUserIdentity: DfoEndUserIdentity;
  routingQueuePriority: number;
  inboxAssigneeUser: null;
  ownerAssigneeUser: null;
};

export type SimDfoMessage = DfoMessageDetail & {
  createdAtWithMilliseconds: string;
  contactNumber: string;
  channel: { id: string };
  attachments: unknown[];
  authorEndUserIdentity: DfoEndUserIdentity | null;
  authorUser: { id: number; firstName: string; surname: string } | null;
  recipients: Array<{ idOnExternalPlatform: string; name?: string; isPrimary?: boolean }>;
  title: string;
  isReplyAllowed: boolean;
  sentiment: 'neutral';
  tags: [];
};

export function toDfoContact(contact: SimContact, store: ConversationStore): SimDfoContact {
  const user = store.endUser(contact.channelId, contact.endUserIdOnExternalPlatform);
  const identity: DfoEndUserIdentity = {
    idOnExternalPlatform: contact.endUserIdOnExternalPlatform,
    ...(user?.firstName !== undefined ? { firstName: user.firstName } : {}),
    ...(user?.lastName !== undefined ? { lastName: user.lastName } : {}),
    ...(user?.nickname !== undefined ? { nickname: user.nickname } : {}),
  };
  return {
    id: contact.id,
    contactId: contact.id,
    customerContactId: contact.customerContactId,
    consumerContactStorageId: contact.customerContactId,
    interactionId: contact.interactionId,
    channelId: contact.channelId,
    threadId: contact.threadId,
    threadIdOnExternalPlatform: contact.threadIdOnExternalPlatform,
    status: contact.status,
    statusUpdatedAt: isoAt(contact.statusUpdatedAt),
    direction: contact.direction,
    createdAt: isoAt(contact.createdAt),
    customFields: contact.customFields.map((f) => ({ ...f })),
    recipients: contact.recipients.map((r) => ({ ...r })),
    routingQueueId: null,
    routingQueuePriority: 1,
    endUser: {
      id: user?.id ?? contact.customerContactId,
      identities: [identity],
      customFields: user ? user.customFields.map((f) => ({ ...f })) : [],
    },
    authorEndUserIdentity: identity,
    inboxAssigneeUser: null,
    ownerAssigneeUser: null,
  };
}

export function toDfoMessage(message: SimMessage): SimDfoMessage {
  return {
    id: message.id,
    idOnExternalPlatform: message.idOnExternalPlatform,
    threadId: message.threadId,
    threadIdOnExternalPlatform: message.threadIdOnExternalPlatform,
    direction: message.direction,
    createdAt: message.createdAtWithMilliseconds,
    createdAtWithMilliseconds: message.createdAtWithMilliseconds,
    messageContent: message.messageContent,
    attachments: message.attachments,
    authorEndUserIdentity: message.authorEndUserIdentity,
    authorUser: message.authorUser,
    recipients: message.recipients,
    title: message.title ?? '',
    contactNumber: message.contactNumber,
    channel: { id: message.channelId },
    isReplyAllowed: true,
    sentiment: 'neutral',
    tags: [],
  };
}

/** /sim/messages: the DFO shape plus what only the simulator knows. */
export function toMessageView(message: SimMessage): Record<string, unknown> {
  return {
    ...toDfoMessage(message),
    seq: message.seq,
    channelId: message.channelId,
    source: message.source,
    deliveryStatus: message.deliveryStatus,
    deliveryStatusUpdatedAt: message.deliveryStatusUpdatedAt,
    ...(message.deliveryReason !== undefined ? { deliveryReason: message.deliveryReason } : {}),
  };
}

export function toThreadView(thread: SimThread): Record<string, unknown> {
  return {
    id: thread.id,
    idOnExternalPlatform: thread.idOnExternalPlatform,
    channelId: thread.channelId,
    threadName: thread.threadName,
    canAddMoreMessages: thread.canAddMoreMessages,
    endUserIdOnExternalPlatform: thread.endUserIdOnExternalPlatform,
    contactNumbers: [...thread.contactNumbers],
    currentContactNumber: thread.contactNumbers[thread.contactNumbers.length - 1] ?? null,
    createdAt: isoAt(thread.createdAt),
    lastSenderAction: thread.lastSenderAction,
  };
}

/** A template as GET …/external-platform-templates lists it: PLUGIN content with one TEMPLATE element to fill in. */
export function toDfoTemplate(template: SimTemplate): DfoExternalPlatformTemplate {
  return {
    template: template.template,
    category: template.category,
    language: template.language,
    messageContent: {
      type: 'PLUGIN',
      payload: {
        elements: [
          {
            id: template.id,
            type: 'TEMPLATE',
            template: template.template,
            language: template.language,
            variables: Object.fromEntries(template.variables.map((k) => [k, ''])),
            elements: [],
            text: template.text,
          },
        ],
      },
    },
  };
}
