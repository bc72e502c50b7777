import {
  ContactMessages,
  CxoneAccountRef,
  CxoneClient,
  InboundMessage,
  OutboundMessage,
  SentMessage,
} from '../cxone.client';
import { CxoneRejectedError } from '../cxone.errors';
import type {
  DfoChannel,
  DfoContact,
  DfoContactMessage,
  DfoContactStatus,
  DfoCustomFieldDefinition,
  DfoDeliveryStatus,
  DfoExternalPlatformTemplate,
  DfoOneTimeTokenVerification,
  OneTimeTokenPurpose,
} from '../dfo.types';

/** One call the fake received, for tests to assert on. */
export interface FakeCall {
  method: keyof CxoneClient;
  accountId: string;
  args: unknown[];
}

/**
 * The in-memory CxoneClient for unit tests of services: it keeps contacts, messages and channels like a tiny tenant,
 * records every call, and fails the next calls of a method on demand (`failNext`). Integration and e2e tests use the
 * real HTTP client against the simulator instead, so the HTTP contract itself is exercised there.
 */
export class InMemoryCxoneClient extends CxoneClient {
  readonly calls: FakeCall[] = [];
  readonly contacts = new Map<string, DfoContact>();
  readonly channels = new Map<string, DfoChannel>();
  readonly templates = new Map<string, DfoExternalPlatformTemplate[]>();
  /** Each contact's messages, in the order they were added (listContactMessages returns them as they are). */
  readonly contactMessages = new Map<string, DfoContactMessage[]>();
  customFieldDefinitions: DfoCustomFieldDefinition[] = [];
  private readonly failures = new Map<keyof CxoneClient, Error[]>();
  private readonly threadContacts = new Map<string, string>();
  private nextContact = 1_000_000_000_000_000;

  /** The next `errors.length` calls of `method` throw these errors, in order. */
  failNext(method: keyof CxoneClient, ...errors: Error[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
  }

  callsOf(method: keyof CxoneClient): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  sendOutbound(account: CxoneAccountRef, channelId: string, message: OutboundMessage): Promise<SentMessage> {
    return this.call('sendOutbound', account, [channelId, message], () =>
      this.accept(channelId, message.threadExternalId, 'outbound', message.to),
    );
  }

  createMessage(account: CxoneAccountRef, channelId: string, message: InboundMessage): Promise<SentMessage> {
    return this.call('createMessage', account, [channelId, message], () =>
      this.accept(channelId, message.threadExternalId, 'inbound', message.author.externalId),
    );
  }

  getContact(account: CxoneAccountRef, contactId: string): Promise<DfoContact> {
    return this.call('getContact', account, [contactId], () => this.contact(contactId));
  }

  listContactMessages(account: CxoneAccountRef, contactId: string): Promise<ContactMessages> {
    return this.call('listContactMessages', account, [contactId], () => {
      this.contact(contactId);
      const messages = [...(this.contactMessages.get(contactId) ?? [])];
      return { total: messages.length, messages };
    });
  }

  findContacts(account: CxoneAccountRef, filter: { channelId: string; endUserId: string }): Promise<DfoContact[]> {
    return this.call('findContacts', account, [filter], () =>
      [...this.contacts.values()]
        .filter(
          (c) =>
            c.channelId === filter.channelId &&
            (c.recipients ?? []).some((r) => r.idOnExternalPlatform === filter.endUserId),
        )
        .reverse(),
    );
  }

  /**
   * A customer writes on a contact (tests): the message CXone would list for it. Returns the message, whose `id` is
   * CXone's message id.
   */
  addCustomerMessage(contactId: string, from: string, text: string, createdAt: Date): DfoContactMessage {
    const contact = this.contact(contactId);
    const list = this.contactMessages.get(contactId) ?? [];
    const message: DfoContactMessage = {
      id: `cx-message-${contactId}-${list.length + 1}`,
      idOnExternalPlatform: null,
      threadId: contact.threadId,
      threadIdOnExternalPlatform: contact.threadIdOnExternalPlatform,
      direction: 'inbound',
      createdAt: createdAt.toISOString(),
      createdAtWithMilliseconds: createdAt.toISOString(),
      messageContent: { type: 'TEXT', payload: { text } },
      contactNumber: contactId,
      channel: { id: contact.channelId },
      authorEndUserIdentity: { idOnExternalPlatform: from },
    };
    this.contactMessages.set(contactId, [...list, message]);
    return message;
  }

  setContactStatus(account: CxoneAccountRef, contactId: string, status: DfoContactStatus): Promise<void> {
    return this.call('setContactStatus', account, [contactId, status], () => {
      this.contact(contactId).status = status;
    });
  }

  setContactCustomFields(account: CxoneAccountRef, contactId: string, fields: Record<string, string>): Promise<void> {
    return this.call('setContactCustomFields', account, [contactId, fields], () => {
      const contact = this.contact(contactId);
      for (const [ident, value] of Object.entries(fields)) {
        contact.customFields = [...contact.customFields.filter((f) => f.ident !== ident), { ident, value }];
      }
    });
  }

  listContactCustomFieldDefinitions(account: CxoneAccountRef): Promise<DfoCustomFieldDefinition[]> {
    return this.call('listContactCustomFieldDefinitions', account, [], () => [...this.customFieldDefinitions]);
  }

  setThreadLock(
    account: CxoneAccountRef,
    channelId: string,
    threadExternalId: string,
    canAddMoreMessages: boolean,
  ): Promise<void> {
    return this.call('setThreadLock', account, [channelId, threadExternalId, canAddMoreMessages], () => undefined);
  }

  setMessageDeliveryStatus(
    account: CxoneAccountRef,
    channelId: string,
    messageExternalId: string,
    status: DfoDeliveryStatus,
    reason?: string,
  ): Promise<void> {
    return this.call(
      'setMessageDeliveryStatus',
      account,
      [channelId, messageExternalId, status, reason],
      () => undefined,
    );
  }

  sendTypingIndicator(
    account: CxoneAccountRef,
    channelId: string,
    threadExternalId: string,
    typing: boolean,
  ): Promise<void> {
    return this.call('sendTypingIndicator', account, [channelId, threadExternalId, typing], () => undefined);
  }

  listTemplates(account: CxoneAccountRef, channelId: string): Promise<DfoExternalPlatformTemplate[]> {
    return this.call('listTemplates', account, [channelId], () => [...(this.templates.get(channelId) ?? [])]);
  }

  listChannels(account: CxoneAccountRef, accessToken?: string): Promise<DfoChannel[]> {
    return this.call('listChannels', account, [accessToken], () => [...this.channels.values()]);
  }

  createChannel(account: CxoneAccountRef, channel: DfoChannel, accessToken?: string): Promise<void> {
    return this.call('createChannel', account, [channel, accessToken], () => {
      this.channels.set(channel.id, channel);
    });
  }

  deleteChannel(account: CxoneAccountRef, channelId: string, accessToken?: string): Promise<void> {
    return this.call('deleteChannel', account, [channelId, accessToken], () => {
      this.channels.delete(channelId);
    });
  }

  verifyOneTimeToken(
    account: CxoneAccountRef,
    request: { brandId: number; userId: number; token: string; purpose: OneTimeTokenPurpose },
  ): Promise<DfoOneTimeTokenVerification> {
    return this.call('verifyOneTimeToken', account, [request], () => ({
      brand: { id: request.brandId, friendlyName: 'Fake brand' },
      user: {
        id: request.userId,
        emailAddress: 'agent@example.com',
        loginUsername: 'agent',
        firstName: 'Fake',
        surname: 'Agent',
        isBotUser: false,
        isSurveyUser: false,
      },
      accessToken: `ott-${request.token}`,
    }));
  }

  private async call<T>(
    method: keyof CxoneClient,
    account: CxoneAccountRef,
    args: unknown[],
    answer: () => T,
  ): Promise<T> {
    this.calls.push({ method, accountId: account.id, args });
    await Promise.resolve();
    const failure = this.failures.get(method)?.shift();
    if (failure) throw failure;
    return answer();
  }

  /** CXone takes a message: the thread's open contact, or a new one. */
  private accept(
    channelId: string,
    threadExternalId: string,
    direction: 'inbound' | 'outbound',
    endUser: string,
  ): SentMessage {
    const key = `${channelId}\u0000${threadExternalId}`;
    let contactId = this.threadContacts.get(key);
    if (!contactId || ['resolved', 'closed', 'trashed'].includes(this.contacts.get(contactId)!.status)) {
      contactId = String(this.nextContact++);
      this.threadContacts.set(key, contactId);
      this.contacts.set(contactId, {
        id: contactId,
        channelId,
        threadId: `thread-${threadExternalId}`,
        threadIdOnExternalPlatform: threadExternalId,
        status: 'new',
        direction,
        createdAt: new Date(0).toISOString(),
        customFields: [],
        recipients: [{ idOnExternalPlatform: endUser }],
      });
    }
    const contact = this.contacts.get(contactId)!;
    return {
      contactId,
      contactStatus: contact.status,
      threadId: contact.threadId,
      threadExternalId,
      messageId: `message-${this.calls.length}`,
    };
  }

  private contact(contactId: string): DfoContact {
    const contact = this.contacts.get(contactId);
    if (!contact) throw new CxoneRejectedError('contact', 404, [{ message: `no contact ${contactId}` }]);
    return contact;
  }
}
