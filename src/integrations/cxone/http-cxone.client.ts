import type { Method } from 'axios';
import {
  ContactMessages,
  CxoneAccountRef,
  CxoneClient,
  InboundMessage,
  OutboundMessage,
  SentMessage,
} from './cxone.client';
import { renderContent } from './content';
import { CxoneHttp, CxoneHttpResponse, ensureOk } from './cxone-http';
import type {
  DfoChannel,
  DfoContact,
  DfoContactMessages,
  DfoContactSearch,
  DfoContactStatus,
  DfoCustomField,
  DfoCustomFieldDefinition,
  DfoDeliveryStatus,
  DfoExternalPlatformTemplate,
  DfoMessageResponse,
  DfoNewMessage,
  DfoOneTimeTokenVerification,
  DfoOutboundRequest,
  OneTimeTokenPurpose,
} from './dfo.types';
import { CxoneTokenManager } from './token-manager';

export interface HttpCxoneClientOptions {
  /** Name of the recipients array in outbound bodies (`recipients` per the agent SDK). */
  recipientsField: 'recipients' | 'endUserRecipients';
  /** Send our stable message id as the outbound body's idOnExternalPlatform. */
  sendMessageId: boolean;
}

interface CallOptions {
  data?: unknown;
  params?: Record<string, string | number | boolean>;
  /** A bearer token other than the account's (the one-time-token access token of BYOC action URLs). */
  accessToken?: string;
  /** Send no Authorization header. */
  anonymous?: boolean;
}

/**
 * CxoneClient over HTTP: a real tenant or the simulator. A 401 drops the shared token and retries once with a fresh
 * one; every other failure surfaces as a typed CxoneError for the caller (usually a queue job) to retry or give up.
 */
export class HttpCxoneClient extends CxoneClient {
  constructor(
    private readonly http: CxoneHttp,
    private readonly tokens: CxoneTokenManager,
    private readonly options: HttpCxoneClientOptions,
  ) {
    super();
  }

  async sendOutbound(account: CxoneAccountRef, channelId: string, message: OutboundMessage): Promise<SentMessage> {
    const body: DfoOutboundRequest = {
      thread: { idOnExternalPlatform: message.threadExternalId },
      messageContent: renderContent(message.content, message.messageExternalId),
      [this.options.recipientsField]: [
        {
          idOnExternalPlatform: message.to,
          isPrimary: true,
          isPrivate: false,
          ...(message.recipientName ? { name: message.recipientName } : {}),
        },
      ],
      ...(this.options.sendMessageId ? { idOnExternalPlatform: message.messageExternalId } : {}),
      ...(message.customFields && Object.keys(message.customFields).length > 0
        ? { contact: { customFields: toCustomFields(message.customFields) } }
        : {}),
    };
    const response = await this.call<DfoMessageResponse>(
      account,
      'outbound',
      'POST',
      `/channels/${enc(channelId)}/outbound`,
      { data: body },
    );
    return toSent(response.data, message.threadExternalId);
  }

  async createMessage(account: CxoneAccountRef, channelId: string, message: InboundMessage): Promise<SentMessage> {
    const body: DfoNewMessage = {
      idOnExternalPlatform: message.messageExternalId,
      direction: 'inbound',
      createdAtWithMilliseconds: message.createdAt.toISOString(),
      thread: {
        idOnExternalPlatform: message.threadExternalId,
        ...(message.threadName ? { threadName: message.threadName } : {}),
      },
      messageContent: message.content,
      authorEndUserIdentity: {
        idOnExternalPlatform: message.author.externalId,
        ...(message.author.firstName ? { firstName: message.author.firstName } : {}),
        ...(message.author.lastName ? { lastName: message.author.lastName } : {}),
        ...(message.author.nickname ? { nickname: message.author.nickname } : {}),
      },
      ...(message.customFields && Object.keys(message.customFields).length > 0
        ? { contact: { customFields: toCustomFields(message.customFields) } }
        : {}),
    };
    const response = await this.call<DfoMessageResponse>(
      account,
      'createMessage',
      'POST',
      `/channels/${enc(channelId)}/messages`,
      { data: body },
    );
    return toSent(response.data, message.threadExternalId);
  }

  async getContact(account: CxoneAccountRef, contactId: string): Promise<DfoContact> {
    return (await this.call<DfoContact>(account, 'getContact', 'GET', `/contacts/${enc(contactId)}`)).data;
  }

  async listContactMessages(account: CxoneAccountRef, contactId: string): Promise<ContactMessages> {
    // newest first where DFO honours it (S-GO's sorting parameters for /contacts); callers sort anyway
    const response = await this.call<DfoContactMessages>(
      account,
      'contactMessages',
      'GET',
      `/contacts/${enc(contactId)}/messages`,
      { params: { sorting: 'createdAt', sortingType: 'desc' } },
    );
    const data = Array.isArray(response.data?.data) ? response.data.data : [];
    return { total: typeof response.data?.hits === 'number' ? response.data.hits : data.length, messages: data };
  }

  async findContacts(
    account: CxoneAccountRef,
    filter: { channelId: string; endUserId: string },
  ): Promise<DfoContact[]> {
    const response = await this.call<DfoContactSearch>(account, 'contactSearch', 'GET', '/contacts', {
      params: { 'channel[]': filter.channelId, 'endUserIdOnExternalPlatform[]': filter.endUserId },
    });
    return Array.isArray(response.data?.data) ? response.data.data : [];
  }

  async setContactStatus(account: CxoneAccountRef, contactId: string, status: DfoContactStatus): Promise<void> {
    await this.call(account, 'contactStatus', 'PUT', `/contacts/${enc(contactId)}/status`, { data: { status } });
  }

  async setContactCustomFields(
    account: CxoneAccountRef,
    contactId: string,
    fields: Record<string, string>,
  ): Promise<void> {
    await this.call(account, 'customFields', 'PUT', `/contacts/${enc(contactId)}/custom-fields`, {
      data: toCustomFields(fields),
    });
  }

  async listContactCustomFieldDefinitions(account: CxoneAccountRef): Promise<DfoCustomFieldDefinition[]> {
    const response = await this.call<unknown>(
      account,
      'customFieldDefinitions',
      'GET',
      '/consumer-contact-custom-fields',
    );
    return listOf<DfoCustomFieldDefinition>(response.data);
  }

  async setThreadLock(
    account: CxoneAccountRef,
    channelId: string,
    threadExternalId: string,
    canAddMoreMessages: boolean,
  ): Promise<void> {
    await this.call(account, 'threadLock', 'PUT', `/channels/${enc(channelId)}/threads/${enc(threadExternalId)}`, {
      data: { canAddMoreMessages },
    });
  }

  async setMessageDeliveryStatus(
    account: CxoneAccountRef,
    channelId: string,
    messageExternalId: string,
    status: DfoDeliveryStatus,
    reason?: string,
  ): Promise<void> {
    await this.call(
      account,
      'deliveryStatus',
      'PUT',
      `/channels/${enc(channelId)}/messages/${enc(messageExternalId)}/status`,
      {
        data: { status, updatedAt: new Date().toISOString(), ...(reason ? { reason } : {}) },
      },
    );
  }

  async sendTypingIndicator(
    account: CxoneAccountRef,
    channelId: string,
    threadExternalId: string,
    typing: boolean,
  ): Promise<void> {
    await this.call(
      account,
      'senderAction',
      'POST',
      `/channels/${enc(channelId)}/threads/${enc(threadExternalId)}/sender-actions`,
      {
        data: { action: typing ? 'isTypingOn' : 'isTypingOff' },
      },
    );
  }

  async listTemplates(account: CxoneAccountRef, channelId: string): Promise<DfoExternalPlatformTemplate[]> {
    const response = await this.call<unknown>(
      account,
      'templates',
      'GET',
      `/channels/${enc(channelId)}/external-platform-templates`,
    );
    return listOf<DfoExternalPlatformTemplate>(response.data);
  }

  async listChannels(account: CxoneAccountRef, accessToken?: string): Promise<DfoChannel[]> {
    const response = await this.call<unknown>(account, 'channels', 'GET', '/channels', withToken(accessToken));
    return listOf<DfoChannel>(response.data);
  }

  async createChannel(account: CxoneAccountRef, channel: DfoChannel, accessToken?: string): Promise<void> {
    await this.call(account, 'channels', 'POST', '/channels', { data: channel, ...withToken(accessToken) });
  }

  async deleteChannel(account: CxoneAccountRef, channelId: string, accessToken?: string): Promise<void> {
    await this.call(account, 'channels', 'DELETE', `/channels/${enc(channelId)}`, withToken(accessToken));
  }

  async verifyOneTimeToken(
    account: CxoneAccountRef,
    request: { brandId: number; userId: number; token: string; purpose: OneTimeTokenPurpose },
  ): Promise<DfoOneTimeTokenVerification> {
    const response = await this.call<DfoOneTimeTokenVerification>(
      account,
      'oneTimeToken',
      'POST',
      '/one-time-token/verification',
      {
        data: request,
        anonymous: true,
      },
    );
    return response.data;
  }

  private async call<T>(
    account: CxoneAccountRef,
    operation: string,
    method: Method,
    path: string,
    options: CallOptions = {},
  ): Promise<CxoneHttpResponse<T>> {
    const session = await this.tokens.session(account);
    const send = (token: string | undefined): Promise<CxoneHttpResponse<T>> =>
      this.http.request<T>({
        operation,
        method,
        url: `${session.dfoBase}${path}`,
        headers: {
          ...(options.data !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        data: options.data,
        params: options.params,
      });
    if (options.anonymous) return ensureOk(operation, await send(undefined));
    if (options.accessToken) return ensureOk(operation, await send(options.accessToken));

    const first = await send(session.accessToken);
    if (first.status !== 401) return ensureOk(operation, first);
    // The token was revoked or expired early: drop it (for every process) and try once more with a new one.
    await this.tokens.invalidate(account, session.accessToken);
    const fresh = await this.tokens.session(account);
    return ensureOk(operation, await send(fresh.accessToken));
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function withToken(accessToken: string | undefined): CallOptions {
  return accessToken ? { accessToken } : {};
}

function toCustomFields(fields: Record<string, string>): DfoCustomField[] {
  return Object.entries(fields).map(([ident, value]) => ({ ident, value: String(value) }));
}

/** DFO lists come as a bare array or as `{data: [...]}` depending on the endpoint. */
function listOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const data = (body as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? (data as T[]) : [];
}

function toSent(body: DfoMessageResponse | undefined, threadExternalId: string): SentMessage {
  const contact = body?.consumerContact;
  const message = body?.message;
  return {
    contactId: contact?.id ?? message?.contactNumber ?? null,
    contactStatus: contact?.status ?? null,
    threadId: contact?.threadId ?? message?.threadId ?? null,
    threadExternalId: contact?.threadIdOnExternalPlatform ?? message?.threadIdOnExternalPlatform ?? threadExternalId,
    messageId: message?.id ?? null,
  };
}
