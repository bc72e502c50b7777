/**
 * Wire shapes of the CXone DFO 3.0 API as Threadline uses them (reference/cxone-api.md §3–§4). Confirmed shapes come
 * from NICE's generated clients and official SDKs; fields marked [I] are inferred and their behaviour is configurable
 * in both the client and the simulator.
 */

export type DfoContactStatus = 'new' | 'open' | 'pending' | 'escalated' | 'resolved' | 'closed' | 'trashed';
export const DFO_CONTACT_STATUSES: readonly DfoContactStatus[] = [
  'new',
  'open',
  'pending',
  'escalated',
  'resolved',
  'closed',
  'trashed',
];

export type DfoDeliveryStatus = 'delivered' | 'seen' | 'failed';

export interface DfoCustomField {
  ident: string;
  value: string;
}

/** `{errors:[{field?, message, errorCode?}]}`, DFO's ApiErrorCollection. */
export interface DfoErrorBody {
  errors: Array<{ field?: string; message: string; errorCode?: string; parameters?: Record<string, unknown> }>;
  uid?: string;
}

export interface DfoTextContent {
  type: 'TEXT';
  payload: { text: string };
  fallbackText?: string;
  postback?: string | null;
}

/** WhatsApp templates travel as PLUGIN content (there is no TEMPLATE type); element shape is [I]. */
export interface DfoTemplateElement {
  id: string;
  type: string;
  template: string;
  language?: string;
  variables: Record<string, string>;
  elements?: unknown[];
}

export interface DfoPluginContent {
  type: 'PLUGIN';
  payload: { postback?: string; elements: DfoTemplateElement[] | Array<Record<string, unknown>> };
  fallbackText?: string;
}

export type DfoMessageContent = DfoTextContent | DfoPluginContent | { type: string; payload: Record<string, unknown> };

export interface DfoRecipient {
  idOnExternalPlatform: string;
  name?: string;
  isPrimary?: boolean;
  isPrivate?: boolean;
}

export interface DfoThreadRef {
  idOnExternalPlatform: string;
  threadName?: string;
}

/** POST /channels/{channelId}/outbound (the agent SDK's CXoneDigitalReplyRequest). */
export interface DfoOutboundRequest {
  thread?: DfoThreadRef;
  /** [I] A stable id for this message so a retried send is recognised (configurable). */
  idOnExternalPlatform?: string;
  messageContent: DfoMessageContent;
  /** `recipients` per the agent SDK; `endUserRecipients` per a NICE sample [disputed, configurable]. */
  recipients?: DfoRecipient[];
  endUserRecipients?: DfoRecipient[];
  title?: string;
  attachments?: Array<{ friendlyName: string; url: string; isInline?: boolean }>;
  contact?: { customFields?: DfoCustomField[]; skillId?: number };
}

export interface DfoEndUserIdentity {
  idOnExternalPlatform: string;
  firstName?: string;
  lastName?: string;
  nickname?: string;
  image?: string;
  customFields?: DfoCustomField[];
}

/** POST /channels/{channelId}/messages ("NewMessage"). */
export interface DfoNewMessage {
  idOnExternalPlatform: string;
  direction: 'inbound' | 'outbound';
  createdAtWithMilliseconds: string;
  thread: DfoThreadRef;
  messageContent: DfoMessageContent;
  authorEndUserIdentity: DfoEndUserIdentity;
  contact?: { customFields?: DfoCustomField[]; status?: DfoContactStatus; skillId?: number };
  attachments?: Array<{ friendlyName: string; url: string }>;
  recipients?: DfoRecipient[];
  replyToMessage?: { idOnExternalPlatform: string };
}

export interface DfoContact {
  id: string;
  contactId?: string;
  interactionId?: string;
  channelId: string;
  threadId: string;
  threadIdOnExternalPlatform: string;
  status: DfoContactStatus;
  statusUpdatedAt?: string;
  direction?: 'inbound' | 'outbound';
  createdAt: string;
  customFields: Array<DfoCustomField & { updatedAt?: string }>;
  recipients?: DfoRecipient[];
  routingQueueId?: string | null;
}

export interface DfoMessageDetail {
  id: string;
  idOnExternalPlatform: string | null;
  threadId: string;
  threadIdOnExternalPlatform: string;
  direction: 'inbound' | 'outbound';
  createdAt: string;
  createdAtWithMilliseconds?: string;
  messageContent: DfoMessageContent;
  contactNumber?: string;
  channel?: { id: string };
}

/** A message as GET /contacts/{n}/messages returns it (MessageDetail, with its author when a customer wrote it). */
export type DfoContactMessage = DfoMessageDetail & {
  authorEndUserIdentity?: { idOnExternalPlatform?: string } | null;
};

/** Answer of GET /contacts/{n}/messages: `{hits, data}` (no paging or order documented). */
export interface DfoContactMessages {
  hits: number;
  data: DfoContactMessage[];
}

/** Answer of GET /contacts: `{hits, data, scrollToken?}`. */
export interface DfoContactSearch {
  hits: number;
  data: DfoContact[];
  scrollToken?: string | null;
}

/** Answer of create message and outbound: `{consumerContact?, message?}`. */
export interface DfoMessageResponse {
  consumerContact?: DfoContact;
  message?: DfoMessageDetail;
}

export interface DfoChannel {
  id: string;
  idOnExternalPlatform: string;
  channelIntegrationId?: string;
  realExternalPlatformId: string;
  name: string;
  isPrivate: boolean;
  hasTreeStructure: boolean;
  hasOutboundFlow?: boolean;
  hasManualOutboundFlow?: boolean;
  hasOutboundTemplates?: boolean;
  canSendSenderActions?: boolean;
  isLiveChat?: boolean;
  [extra: string]: unknown;
}

export interface DfoExternalPlatformTemplate {
  template: string;
  category: 'TRANSACTIONAL' | 'MARKETING';
  language?: string;
  messageContent: DfoPluginContent;
}

export interface DfoCustomFieldDefinition {
  ident: string;
  label: string;
  type: 'text' | 'email' | 'list' | 'date';
  required?: boolean;
  isEditable?: boolean;
  values?: Array<{ name: string; value: string }>;
}

export type OneTimeTokenPurpose = 'login' | 'channel-integration' | 'custom-component-login';

export interface DfoOneTimeTokenVerification {
  brand: { id: number; friendlyName: string; timezone?: string; brandHash?: string; tenantId?: string };
  user: {
    id: number;
    emailAddress: string;
    loginUsername: string;
    firstName: string;
    surname: string;
    isBotUser: boolean;
    isSurveyUser: boolean;
  };
  accessToken: string;
}

/** OAuth token answers: platform (/auth/token) and legacy DFO (/engager/2.0/token). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

export interface OpenIdConfiguration {
  issuer: string;
  token_endpoint: string;
  [extra: string]: unknown;
}

/** GET {issuer}/.well-known/cxone-configuration?tenantId= */
export interface CxoneConfiguration {
  api_endpoint: string;
  area: string;
  domain: string;
  cluster?: string;
  acdDomain?: string;
  uhDomain?: string;
}

// ── DFO push events (cxone-api.md §6), as the simulator pushes them to a webhook ──

/** The envelope of every DFO event: `{eventId, eventObject, eventType, createdAt, createdAtWithMilliseconds, data}`. */
export interface DfoEvent<TObject extends string = string, TType extends string = string, TData = unknown> {
  /** A UUID; a redelivery of the same event keeps it. */
  eventId: string;
  eventObject: TObject;
  eventType: TType;
  /** ISO-8601, whole seconds. */
  createdAt: string;
  /** ISO-8601 with milliseconds. */
  createdAtWithMilliseconds: string;
  data: TData;
}

export interface DfoEventBrand {
  id: number;
  friendlyName?: string;
  tenantId: string;
}

/** data of Message/MessageCreated: a customer's message, with the case (contact) it landed in. */
export interface DfoMessageCreatedData {
  brand: DfoEventBrand;
  channel: { id: string };
  case: {
    /** The contact number (`/contacts/{contactNumber}`). */
    id: string;
    threadId: string;
    threadIdOnExternalPlatform: string;
    status: DfoContactStatus;
    direction: 'inbound' | 'outbound';
  };
  message: DfoMessageDetail & {
    authorEndUserIdentity: DfoEndUserIdentity | null;
    createdAtWithMilliseconds: string;
    contactNumber: string;
  };
}

/** data of Case/CaseStatusChanged. */
export interface DfoCaseStatusChangedData {
  brand: DfoEventBrand;
  channel: { id: string };
  case: {
    id: string;
    threadId: string;
    threadIdOnExternalPlatform: string;
    status: DfoContactStatus;
    previousStatus: DfoContactStatus;
    endUserRecipients: Array<{ idOnExternalPlatform: string }>;
  };
}

export type DfoMessageCreatedEvent = DfoEvent<'Message', 'MessageCreated', DfoMessageCreatedData>;
export type DfoCaseStatusChangedEvent = DfoEvent<'Case', 'CaseStatusChanged', DfoCaseStatusChangedData>;
export type DfoPushedEvent = DfoMessageCreatedEvent | DfoCaseStatusChangedEvent;
