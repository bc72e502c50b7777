import { Injectable } from '@nestjs/common';
import type {
  DfoChannel,
  DfoContactStatus,
  DfoCustomField,
  DfoDeliveryStatus,
  DfoEndUserIdentity,
  DfoMessageContent,
  DfoMessageResponse,
  DfoRecipient,
} from '@/integrations/cxone/dfo.types';
import { isoAt } from '@/simulator/common/clock';
import { ContactNumbers, uuid } from '@/simulator/common/ids';
import { SEED_CHANNELS, SEED_TEMPLATES } from './seed';

export interface SimTemplate {
  id: string;
  template: string;
  category: 'TRANSACTIONAL' | 'MARKETING';
  language: string;
  /** Variable keys ("1", "2", …) that a send must fill. */
  variables: string[];
  text: string;
}

export interface SimEndUser {
  id: string;
  channelId: string;
  idOnExternalPlatform: string;
  firstName?: string;
  lastName?: string;
  nickname?: string;
  customFields: DfoCustomField[];
  /** Last inbound message from this customer (epoch ms): opens the WhatsApp 24 h window. */
  lastInboundAt: number | null;
}

export interface SimThread {
  id: string;
  channelId: string;
  idOnExternalPlatform: string;
  threadName: string;
  canAddMoreMessages: boolean;
  endUserIdOnExternalPlatform: string;
  /** Every contact (case) of this thread, oldest first; the last one is the current one. */
  contactNumbers: string[];
  createdAt: number;
  lastSenderAction: { action: string; at: string } | null;
}

export interface SimContact {
  id: string;
  interactionId: string;
  customerContactId: string;
  tenantId: string;
  channelId: string;
  threadId: string;
  threadIdOnExternalPlatform: string;
  status: DfoContactStatus;
  statusUpdatedAt: number;
  direction: 'inbound' | 'outbound';
  createdAt: number;
  customFields: Array<DfoCustomField & { updatedAt: string }>;
  endUserIdOnExternalPlatform: string;
  recipients: DfoRecipient[];
}

export interface SimAuthorUser {
  id: number;
  firstName: string;
  surname: string;
}

export type MessageSource = 'createMessage' | 'outbound' | 'agent' | 'customer';

export interface SimMessage {
  seq: number;
  id: string;
  idOnExternalPlatform: string | null;
  channelId: string;
  threadId: string;
  threadIdOnExternalPlatform: string;
  contactNumber: string;
  direction: 'inbound' | 'outbound';
  createdAt: number;
  createdAtWithMilliseconds: string;
  messageContent: DfoMessageContent;
  attachments: unknown[];
  authorEndUserIdentity: DfoEndUserIdentity | null;
  authorUser: SimAuthorUser | null;
  recipients: DfoRecipient[];
  title?: string;
  source: MessageSource;
  deliveryStatus: DfoDeliveryStatus | null;
  deliveryStatusUpdatedAt: string | null;
  deliveryReason?: string;
}

/** A contact that is resolved, closed or trashed takes no more messages: the next one opens a new contact. */
export const FINISHED_CONTACT_STATUSES: ReadonlySet<DfoContactStatus> = new Set(['resolved', 'closed', 'trashed']);

/** What the simulated CXone knows about a channel beyond the DFO channel itself (PATCH /sim/channels/{id}/settings). */
export interface SimChannelSettings {
  /** BYOC: "Use DFO 3.0 Outbound API for replies"; unset follows the useDfo3Outbound setting. */
  useDfo3Outbound?: boolean;
}

const key = (a: string, b: string): string => `${a}\u0000${b}`;

/**
 * The simulated tenant's conversations, in memory: channels and their templates, end users, threads, contacts
 * (cases) and messages, plus the dedupe index of message ids. Plain state with lookups; the rules live in the
 * services.
 */
@Injectable()
export class ConversationStore {
  private channels = new Map<string, DfoChannel>();
  private templates = new Map<string, SimTemplate[]>();
  private channelSettings = new Map<string, SimChannelSettings>();
  private endUsers = new Map<string, SimEndUser>();
  private threads = new Map<string, SimThread>();
  private latestThreadOfEndUser = new Map<string, SimThread>();
  private contacts = new Map<string, SimContact>();
  private messages: SimMessage[] = [];
  private messagesByExternalId = new Map<string, SimMessage>();
  /** Each contact's messages in the order they were added (GET /contacts/{n}/messages: reconciliation polls it). */
  private messagesByContact = new Map<string, SimMessage[]>();
  private firstAnswers = new Map<string, DfoMessageResponse>();
  private readonly contactNumbers = new ContactNumbers();
  private messageSeq = 0;

  constructor() {
    this.seed();
  }

  // ── channels and templates ──

  channel(channelId: string): DfoChannel | undefined {
    return this.channels.get(channelId);
  }

  listChannels(): DfoChannel[] {
    return [...this.channels.values()];
  }

  putChannel(channel: DfoChannel): { created: boolean } {
    const created = !this.channels.has(channel.id);
    this.channels.set(channel.id, channel);
    return { created };
  }

  deleteChannel(channelId: string): boolean {
    this.templates.delete(channelId);
    this.channelSettings.delete(channelId);
    return this.channels.delete(channelId);
  }

  settingsOf(channelId: string): Readonly<SimChannelSettings> {
    return this.channelSettings.get(channelId) ?? {};
  }

  setSettings(channelId: string, settings: SimChannelSettings): void {
    this.channelSettings.set(channelId, settings);
  }

  templatesOf(channelId: string): readonly SimTemplate[] {
    return this.templates.get(channelId) ?? [];
  }

  /** Adds a template, replacing one with the same name and language. */
  putTemplate(channelId: string, template: SimTemplate): void {
    const list = (this.templates.get(channelId) ?? []).filter(
      (t) => !(t.template === template.template && t.language === template.language),
    );
    list.push(template);
    this.templates.set(channelId, list);
  }

  // ── end users ──

  endUser(channelId: string, idOnExternalPlatform: string): SimEndUser | undefined {
    return this.endUsers.get(key(channelId, idOnExternalPlatform));
  }

  upsertEndUser(channelId: string, identity: DfoEndUserIdentity): SimEndUser {
    const k = key(channelId, identity.idOnExternalPlatform);
    let user = this.endUsers.get(k);
    if (!user) {
      user = {
        id: uuid(),
        channelId,
        idOnExternalPlatform: identity.idOnExternalPlatform,
        customFields: [],
        lastInboundAt: null,
      };
      this.endUsers.set(k, user);
    }
    if (identity.firstName !== undefined) user.firstName = identity.firstName;
    if (identity.lastName !== undefined) user.lastName = identity.lastName;
    if (identity.nickname !== undefined) user.nickname = identity.nickname;
    if (identity.customFields) mergeCustomFields(user.customFields, identity.customFields);
    return user;
  }

  // ── threads ──

  thread(channelId: string, idOnExternalPlatform: string): SimThread | undefined {
    return this.threads.get(key(channelId, idOnExternalPlatform));
  }

  /** The newest thread of this customer on this channel. */
  latestThreadOf(channelId: string, endUserIdOnExternalPlatform: string): SimThread | undefined {
    return this.latestThreadOfEndUser.get(key(channelId, endUserIdOnExternalPlatform));
  }

  createThread(input: {
    channelId: string;
    idOnExternalPlatform: string;
    threadName?: string;
    endUserIdOnExternalPlatform: string;
    now: number;
  }): SimThread {
    const thread: SimThread = {
      id: uuid(),
      channelId: input.channelId,
      idOnExternalPlatform: input.idOnExternalPlatform,
      threadName: input.threadName ?? '',
      canAddMoreMessages: true,
      endUserIdOnExternalPlatform: input.endUserIdOnExternalPlatform,
      contactNumbers: [],
      createdAt: input.now,
      lastSenderAction: null,
    };
    this.threads.set(key(input.channelId, input.idOnExternalPlatform), thread);
    this.latestThreadOfEndUser.set(key(input.channelId, input.endUserIdOnExternalPlatform), thread);
    return thread;
  }

  listThreads(): SimThread[] {
    return [...this.threads.values()];
  }

  // ── contacts ──

  contact(contactNumber: string): SimContact | undefined {
    return this.contacts.get(contactNumber);
  }

  /** The thread's current contact if it still takes messages (not resolved, closed or trashed). */
  openContactOf(thread: SimThread): SimContact | undefined {
    const last = thread.contactNumbers[thread.contactNumbers.length - 1];
    const contact = last ? this.contacts.get(last) : undefined;
    return contact && !FINISHED_CONTACT_STATUSES.has(contact.status) ? contact : undefined;
  }

  openNewContact(input: {
    thread: SimThread;
    tenantId: string;
    direction: 'inbound' | 'outbound';
    status: DfoContactStatus;
    recipients: DfoRecipient[];
    now: number;
  }): SimContact {
    const { thread, now } = input;
    const contact: SimContact = {
      id: this.contactNumbers.next(now),
      interactionId: uuid(),
      customerContactId: uuid(),
      tenantId: input.tenantId,
      channelId: thread.channelId,
      threadId: thread.id,
      threadIdOnExternalPlatform: thread.idOnExternalPlatform,
      status: input.status,
      statusUpdatedAt: now,
      direction: input.direction,
      createdAt: now,
      customFields: [],
      endUserIdOnExternalPlatform: thread.endUserIdOnExternalPlatform,
      recipients: input.recipients,
    };
    this.contacts.set(contact.id, contact);
    thread.contactNumbers.push(contact.id);
    return contact;
  }

  listContacts(): SimContact[] {
    return [...this.contacts.values()];
  }

  // ── messages ──

  addMessage(input: Omit<SimMessage, 'seq' | 'id' | 'createdAtWithMilliseconds'>): SimMessage {
    const message: SimMessage = {
      ...input,
      seq: ++this.messageSeq,
      id: uuid(),
      createdAtWithMilliseconds: isoAt(input.createdAt),
    };
    this.messages.push(message);
    const ofContact = this.messagesByContact.get(message.contactNumber);
    if (ofContact) ofContact.push(message);
    else this.messagesByContact.set(message.contactNumber, [message]);
    if (message.idOnExternalPlatform) this.indexExternalId(message);
    return message;
  }

  /** Sets the external id a message got later (e.g. from the BYOC middleware's answer). */
  setExternalId(message: SimMessage, idOnExternalPlatform: string): void {
    message.idOnExternalPlatform = idOnExternalPlatform;
    this.indexExternalId(message);
  }

  /** The newest message with this external id on this channel. */
  messageByExternalId(channelId: string, idOnExternalPlatform: string): SimMessage | undefined {
    return this.messagesByExternalId.get(key(channelId, idOnExternalPlatform));
  }

  listMessages(): readonly SimMessage[] {
    return this.messages;
  }

  messagesOfContact(contactNumber: string): readonly SimMessage[] {
    return this.messagesByContact.get(contactNumber) ?? [];
  }

  // ── dedupe ──

  /** The first answer given for this message id on this channel (dedupe). */
  firstAnswer(channelId: string, idOnExternalPlatform: string): DfoMessageResponse | undefined {
    return this.firstAnswers.get(key(channelId, idOnExternalPlatform));
  }

  rememberFirstAnswer(channelId: string, idOnExternalPlatform: string, answer: DfoMessageResponse): void {
    const k = key(channelId, idOnExternalPlatform);
    if (!this.firstAnswers.has(k)) this.firstAnswers.set(k, answer);
  }

  /** Empties every conversation and restores the seed channels and templates. */
  reset(): void {
    this.channels = new Map();
    this.templates = new Map();
    this.channelSettings = new Map();
    this.endUsers = new Map();
    this.threads = new Map();
    this.latestThreadOfEndUser = new Map();
    this.contacts = new Map();
    this.messages = [];
    this.messagesByExternalId = new Map();
    this.messagesByContact = new Map();
    this.firstAnswers = new Map();
    this.messageSeq = 0;
    this.seed();
  }

  private indexExternalId(message: SimMessage): void {
    this.messagesByExternalId.set(key(message.channelId, message.idOnExternalPlatform!), message);
  }

  private seed(): void {
    for (const channel of SEED_CHANNELS) this.channels.set(channel.id, { ...channel });
    for (const [channelId, templates] of Object.entries(SEED_TEMPLATES)) {
      this.templates.set(
        channelId,
        templates.map((t) => ({ ...t, variables: [...t.variables], id: uuid() })),
      );
    }
  }
}

/** Upserts values by ident (a later value for the same ident replaces the earlier one). */
export function mergeCustomFields<T extends DfoCustomField>(target: T[], values: readonly DfoCustomField[]): void {
  for (const value of values) {
    const existing = target.find((f) => f.ident === value.ident);
    if (existing) Object.assign(existing, value);
    else target.push({ ...value } as T);
  }
}
