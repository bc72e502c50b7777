import type { CxoneAccountSettings } from '@/config';
import type { ProactiveContent } from './content';
import type {
  DfoChannel,
  DfoContact,
  DfoContactMessage,
  DfoContactStatus,
  DfoCustomFieldDefinition,
  DfoDeliveryStatus,
  DfoExternalPlatformTemplate,
  DfoMessageContent,
  DfoOneTimeTokenVerification,
  OneTimeTokenPurpose,
} from './dfo.types';

/** Which CXone tenant a call goes to. `id` keys the shared token cache. */
export interface CxoneAccountRef {
  id: string;
  settings: CxoneAccountSettings;
}

export interface OutboundMessage {
  content: ProactiveContent;
  /** The recipient as the channel knows them: E.164 phone for SMS/WhatsApp, the platform's user id for chat. */
  to: string;
  recipientName?: string;
  /** Our stable thread id: the alert becomes the first message of this thread, and replies land in it. */
  threadExternalId: string;
  /** Our stable message id, so a retried send is recognised as the same message. */
  messageExternalId: string;
  /** Contact custom fields for CXone routing, e.g. {alert_type: 'flight_cancellation'}. */
  customFields?: Record<string, string>;
}

export interface InboundMessage {
  messageExternalId: string;
  threadExternalId: string;
  threadName?: string;
  content: DfoMessageContent;
  author: { externalId: string; firstName?: string; lastName?: string; nickname?: string };
  createdAt: Date;
  customFields?: Record<string, string>;
}

/** What CXone answered to a message it accepted. */
export interface SentMessage {
  /** The contact (case) number, for /contacts/{n}/… calls. */
  contactId: string | null;
  contactStatus: DfoContactStatus | null;
  threadId: string | null;
  threadExternalId: string;
  messageId: string | null;
}

export interface ContactMessages {
  total: number;
  messages: DfoContactMessage[];
}

/**
 * The port to CXone DFO. `HttpCxoneClient` implements it over HTTP (a real tenant or the simulator); unit tests use an
 * in-memory fake. Every method throws a CxoneError subclass on failure: CxoneRateLimitedError (429),
 * CxoneUnavailableError (5xx, timeout, connection), CxoneRejectedError (other 4xx), CxoneAuthError (credentials).
 */
export abstract class CxoneClient {
  /** POST /channels/{channelId}/outbound: a proactive message that opens (or continues) a thread. */
  abstract sendOutbound(account: CxoneAccountRef, channelId: string, message: OutboundMessage): Promise<SentMessage>;

  /** POST /channels/{channelId}/messages: a customer's message from a BYOC channel. */
  abstract createMessage(account: CxoneAccountRef, channelId: string, message: InboundMessage): Promise<SentMessage>;

  abstract getContact(account: CxoneAccountRef, contactId: string): Promise<DfoContact>;

  /**
   * GET /contacts/{contactNumber}/messages: the contact's messages, both directions. DFO documents neither paging nor
   * an order, so callers sort by createdAt themselves; `total` is DFO's `hits` (more than `messages.length` when it
   * returned only a part). Spends one of the tenant's contact reads.
   */
  abstract listContactMessages(account: CxoneAccountRef, contactId: string): Promise<ContactMessages>;

  /** GET /contacts filtered by channel and end user: the customer's contacts on the channel. One contact read. */
  abstract findContacts(
    account: CxoneAccountRef,
    filter: { channelId: string; endUserId: string },
  ): Promise<DfoContact[]>;

  abstract setContactStatus(account: CxoneAccountRef, contactId: string, status: DfoContactStatus): Promise<void>;

  abstract setContactCustomFields(
    account: CxoneAccountRef,
    contactId: string,
    fields: Record<string, string>,
  ): Promise<void>;

  abstract listContactCustomFieldDefinitions(account: CxoneAccountRef): Promise<DfoCustomFieldDefinition[]>;

  /** PUT /channels/{channelId}/threads/{threadExternalId}: lock (false) or unlock a thread. */
  abstract setThreadLock(
    account: CxoneAccountRef,
    channelId: string,
    threadExternalId: string,
    canAddMoreMessages: boolean,
  ): Promise<void>;

  abstract setMessageDeliveryStatus(
    account: CxoneAccountRef,
    channelId: string,
    messageExternalId: string,
    status: DfoDeliveryStatus,
    reason?: string,
  ): Promise<void>;

  /** The customer is typing (or stopped). */
  abstract sendTypingIndicator(
    account: CxoneAccountRef,
    channelId: string,
    threadExternalId: string,
    typing: boolean,
  ): Promise<void>;

  abstract listTemplates(account: CxoneAccountRef, channelId: string): Promise<DfoExternalPlatformTemplate[]>;

  /** Channel calls; `accessToken` is the one-time-token access token of the BYOC action URLs, if given. */
  abstract listChannels(account: CxoneAccountRef, accessToken?: string): Promise<DfoChannel[]>;

  abstract createChannel(account: CxoneAccountRef, channel: DfoChannel, accessToken?: string): Promise<void>;

  abstract deleteChannel(account: CxoneAccountRef, channelId: string, accessToken?: string): Promise<void>;

  /** POST /one-time-token/verification (no Authorization header, as CXone's sample does). */
  abstract verifyOneTimeToken(
    account: CxoneAccountRef,
    request: { brandId: number; userId: number; token: string; purpose: OneTimeTokenPurpose },
  ): Promise<DfoOneTimeTokenVerification>;
}
