import {
  DFO_CONTACT_STATUSES,
  DfoChannel,
  DfoContactStatus,
  DfoCustomField,
  DfoDeliveryStatus,
  DfoEndUserIdentity,
  DfoMessageContent,
  DfoNewMessage,
  DfoRecipient,
  DfoThreadRef,
  OneTimeTokenPurpose,
} from '@/integrations/cxone/dfo.types';
import { FieldCheck, isObject, JsonObject } from '@/simulator/common/field-check';
import { DfoValidationError } from '@/simulator/common/sim-errors';
import type { SimTemplate } from '@/simulator/state/conversations';
import type { RecipientsFieldMode } from '@/simulator/state/sim-settings';

/** Message content types DFO accepts when creating messages (cxone-api.md §4). */
export const MESSAGE_CONTENT_TYPES = [
  'TEXT',
  'PLUGIN',
  'QUICK_REPLIES',
  'LIST_PICKER',
  'RICH_LINK',
  'ADAPTIVE_CARD',
  'DYNAMIC_CONTENT',
  'FORM',
  'POSTBACK',
  'TIME_PICKER',
  'UNSUPPORTED',
] as const;

export const DELIVERY_STATUSES: readonly DfoDeliveryStatus[] = ['delivered', 'seen', 'failed'];
export const SENDER_ACTIONS = ['isTypingOn', 'isTypingOff'] as const;
export const ONE_TIME_TOKEN_PURPOSES: readonly OneTimeTokenPurpose[] = [
  'login',
  'channel-integration',
  'custom-component-login',
];

/** An outbound request after validation, with its recipients found under whichever name was accepted. */
export interface ValidatedOutbound {
  idOnExternalPlatform?: string;
  thread?: Partial<DfoThreadRef>;
  messageContent: DfoMessageContent;
  recipients: DfoRecipient[];
  /** The name the recipients came under (for error fields such as `recipients[0].idOnExternalPlatform`). */
  recipientsField: 'recipients' | 'endUserRecipients';
  title?: string;
  attachments: unknown[];
  customFields: DfoCustomField[];
}

function fail(check: FieldCheck): void {
  if (!check.ok) throw new DfoValidationError(check.errors);
}

function bodyObject(check: FieldCheck, body: unknown): JsonObject {
  if (isObject(body)) return body;
  check.add('body', 'the request body must be a JSON object', 'invalidType');
  fail(check);
  return {};
}

/** Validates `messageContent` ({type, payload}); TEXT needs payload.text, PLUGIN needs payload.elements. */
export function checkMessageContent(
  check: FieldCheck,
  value: unknown,
  field: string,
  hasAttachments: boolean,
): DfoMessageContent | undefined {
  const content = check.object(value, field);
  if (!content) return undefined;
  const type = check.oneOf(content.type, `${field}.type`, MESSAGE_CONTENT_TYPES);
  const payload = check.object(content.payload, `${field}.payload`);
  if (!type || !payload) return undefined;
  if (type === 'TEXT') {
    const text = check.string(payload.text, `${field}.payload.text`, { allowEmpty: true });
    if (text !== undefined && text.trim() === '' && !hasAttachments) {
      check.add(`${field}.payload.text`, `${field}.payload.text must not be empty`, 'required');
    }
  } else if (type === 'PLUGIN') {
    const elements = check.array(payload.elements, `${field}.payload.elements`, { nonEmpty: true });
    elements?.forEach((element, i) => check.object(element, `${field}.payload.elements[${i}]`));
  }
  return content as unknown as DfoMessageContent;
}

export function checkCustomFields(check: FieldCheck, value: unknown, field: string): DfoCustomField[] {
  const list = check.optionalArray(value, field);
  if (!list) return [];
  const out: DfoCustomField[] = [];
  list.forEach((item, i) => {
    const f = check.object(item, `${field}[${i}]`);
    if (!f) return;
    const ident = check.string(f.ident, `${field}[${i}].ident`);
    const v = f.value;
    if (v === undefined || v === null)
      check.add(`${field}[${i}].value`, `${field}[${i}].value is required`, 'required');
    else if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      check.add(`${field}[${i}].value`, `${field}[${i}].value must be a string`, 'invalidType');
    } else if (ident !== undefined) out.push({ ident, value: String(v) });
  });
  return out;
}

function checkRecipients(check: FieldCheck, value: unknown, field: string): DfoRecipient[] {
  const list = check.array(value, field, { nonEmpty: true });
  if (!list) return [];
  const out: DfoRecipient[] = [];
  list.forEach((item, i) => {
    const r = check.object(item, `${field}[${i}]`);
    if (!r) return;
    const id = check.string(r.idOnExternalPlatform, `${field}[${i}].idOnExternalPlatform`);
    const name = check.optionalString(r.name, `${field}[${i}].name`, { allowEmpty: true });
    const isPrimary = check.optionalBoolean(r.isPrimary, `${field}[${i}].isPrimary`);
    const isPrivate = check.optionalBoolean(r.isPrivate, `${field}[${i}].isPrivate`);
    if (id === undefined) return;
    out.push({
      idOnExternalPlatform: id,
      ...(name !== undefined ? { name } : {}),
      ...(isPrimary !== undefined ? { isPrimary } : {}),
      ...(isPrivate !== undefined ? { isPrivate } : {}),
    });
  });
  return out;
}

function checkAttachments(check: FieldCheck, value: unknown, field: string): unknown[] {
  const list = check.optionalArray(value, field);
  list?.forEach((item, i) => {
    const a = check.object(item, `${field}[${i}]`);
    if (!a) return;
    check.string(a.friendlyName, `${field}[${i}].friendlyName`);
    check.string(a.url, `${field}[${i}].url`);
  });
  return list ?? [];
}

/** POST /channels/{channelId}/messages ("NewMessage"): every required field, each problem named. */
export function validateNewMessage(body: unknown): DfoNewMessage {
  const check = new FieldCheck();
  const b = bodyObject(check, body);
  check.string(b.idOnExternalPlatform, 'idOnExternalPlatform', { maxLength: 255 });
  check.oneOf(b.direction, 'direction', ['inbound', 'outbound'] as const);
  check.isoDateTime(b.createdAtWithMilliseconds, 'createdAtWithMilliseconds');
  const thread = check.object(b.thread, 'thread');
  if (thread) {
    check.string(thread.idOnExternalPlatform, 'thread.idOnExternalPlatform', { maxLength: 255 });
    check.optionalString(thread.threadName, 'thread.threadName', { allowEmpty: true });
  }
  const attachments = checkAttachments(check, b.attachments, 'attachments');
  checkMessageContent(check, b.messageContent, 'messageContent', attachments.length > 0);
  const author = check.object(b.authorEndUserIdentity, 'authorEndUserIdentity');
  if (author) {
    check.string(author.idOnExternalPlatform, 'authorEndUserIdentity.idOnExternalPlatform', { maxLength: 255 });
    for (const name of ['firstName', 'lastName', 'nickname', 'image'] as const) {
      check.optionalString(author[name], `authorEndUserIdentity.${name}`, { allowEmpty: true });
    }
    checkCustomFields(check, author.customFields, 'authorEndUserIdentity.customFields');
  }
  const contact = check.optionalObject(b.contact, 'contact');
  if (contact) {
    checkCustomFields(check, contact.customFields, 'contact.customFields');
    check.optionalOneOf(contact.status, 'contact.status', DFO_CONTACT_STATUSES);
  }
  if (b.recipients !== undefined) checkRecipients(check, b.recipients, 'recipients');
  fail(check);
  return b as unknown as DfoNewMessage;
}

/** The author identity of a validated NewMessage, with custom fields normalised to strings. */
export function authorOf(message: DfoNewMessage): DfoEndUserIdentity {
  const check = new FieldCheck();
  const a = message.authorEndUserIdentity;
  return {
    ...a,
    customFields: checkCustomFields(check, a.customFields, 'authorEndUserIdentity.customFields'),
  };
}

/** Custom fields of a validated NewMessage's contact. */
export function contactFieldsOf(message: DfoNewMessage): DfoCustomField[] {
  return checkCustomFields(new FieldCheck(), message.contact?.customFields, 'contact.customFields');
}

/**
 * POST /channels/{channelId}/outbound. The recipients array is `recipients` (agent SDK) or `endUserRecipients` (a
 * NICE sample); which names are accepted is the recipientsField setting.
 */
export function validateOutbound(body: unknown, mode: RecipientsFieldMode): ValidatedOutbound {
  const check = new FieldCheck();
  const b = bodyObject(check, body);
  const idOnExternalPlatform = check.optionalString(b.idOnExternalPlatform, 'idOnExternalPlatform', {
    maxLength: 255,
  });
  const threadObject = check.optionalObject(b.thread, 'thread');
  let thread: Partial<DfoThreadRef> | undefined;
  if (threadObject) {
    const id = check.optionalString(threadObject.idOnExternalPlatform, 'thread.idOnExternalPlatform', {
      maxLength: 255,
    });
    const threadName = check.optionalString(threadObject.threadName, 'thread.threadName', { allowEmpty: true });
    thread = { ...(id !== undefined ? { idOnExternalPlatform: id } : {}), ...(threadName ? { threadName } : {}) };
  }
  const attachments = checkAttachments(check, b.attachments, 'attachments');
  const messageContent = checkMessageContent(check, b.messageContent, 'messageContent', attachments.length > 0);
  const { recipients, field: recipientsField } = checkOutboundRecipients(check, b, mode);
  const title = check.optionalString(b.title, 'title', { allowEmpty: true });
  const contact = check.optionalObject(b.contact, 'contact');
  const customFields = contact ? checkCustomFields(check, contact.customFields, 'contact.customFields') : [];
  if (contact) check.optionalNumber(contact.skillId, 'contact.skillId', { integer: true });
  fail(check);
  return {
    ...(idOnExternalPlatform !== undefined ? { idOnExternalPlatform } : {}),
    ...(thread ? { thread } : {}),
    messageContent: messageContent!,
    recipients,
    recipientsField,
    ...(title !== undefined ? { title } : {}),
    attachments,
    customFields,
  };
}

function checkOutboundRecipients(
  check: FieldCheck,
  b: JsonObject,
  mode: RecipientsFieldMode,
): { recipients: DfoRecipient[]; field: 'recipients' | 'endUserRecipients' } {
  const has = (name: string): boolean => b[name] !== undefined && b[name] !== null;
  switch (mode) {
    case 'either':
      if (has('recipients'))
        return { recipients: checkRecipients(check, b.recipients, 'recipients'), field: 'recipients' };
      if (has('endUserRecipients')) {
        return {
          recipients: checkRecipients(check, b.endUserRecipients, 'endUserRecipients'),
          field: 'endUserRecipients',
        };
      }
      check.add('recipients', 'recipients (or endUserRecipients) is required', 'required');
      return { recipients: [], field: 'recipients' };
    case 'recipients':
    case 'endUserRecipients': {
      const other = mode === 'recipients' ? 'endUserRecipients' : 'recipients';
      if (has(other)) check.add(other, `${other} is not accepted: send the recipients as ${mode}`, 'unknownProperty');
      return { recipients: checkRecipients(check, b[mode], mode), field: mode };
    }
  }
}

/** The element of a PLUGIN content that names a WhatsApp template (type TEMPLATE). */
export function isTemplateElement(element: unknown): element is JsonObject {
  return isObject(element) && (element.type === 'TEMPLATE' || typeof element.template === 'string');
}

/** Whether this content is (or contains) a template send, which WhatsApp allows outside the 24 h window. */
export function isTemplateContent(content: DfoMessageContent): boolean {
  if (content.type !== 'PLUGIN') return false;
  const elements = (content.payload as { elements?: unknown }).elements;
  return Array.isArray(elements) && elements.some(isTemplateElement);
}

/** Template elements must name a template of this channel (and language, if given) and fill all its variables. */
export function checkTemplateUse(
  content: DfoMessageContent,
  templates: readonly SimTemplate[],
  field = 'messageContent',
): void {
  if (content.type !== 'PLUGIN') return;
  const check = new FieldCheck();
  const elements = (content.payload as { elements?: unknown[] }).elements ?? [];
  elements.forEach((element, i) => {
    if (!isTemplateElement(element)) return;
    const path = `${field}.payload.elements[${i}]`;
    if (element.type !== 'TEMPLATE') check.add(`${path}.type`, `${path}.type must be TEMPLATE`);
    const name = check.string(element.template, `${path}.template`);
    const language = check.optionalString(element.language, `${path}.language`);
    if (name === undefined) return;
    const template = templates.find((t) => t.template === name && (language === undefined || t.language === language));
    if (!template) {
      const which = language ? `${name} (${language})` : name;
      check.add(`${path}.template`, `template ${which} does not exist on this channel`, 'templateNotFound');
      return;
    }
    const variables =
      template.variables.length === 0 && element.variables === undefined
        ? {}
        : check.object(element.variables, `${path}.variables`);
    if (!variables) return;
    for (const k of template.variables) {
      const v = variables[k];
      if (typeof v !== 'string' || v.trim() === '') {
        check.add(`${path}.variables.${k}`, `variable ${k} of template ${name} is required`, 'templateVariableMissing');
      }
    }
  });
  fail(check);
}

/** POST /channels (NewChannel). Optional ChannelV2 flags get DFO-like defaults. */
export function validateNewChannel(body: unknown): DfoChannel {
  const check = new FieldCheck();
  const b = bodyObject(check, body);
  for (const f of ['id', 'idOnExternalPlatform', 'channelIntegrationId', 'realExternalPlatformId', 'name'] as const) {
    check.string(b[f], f, { maxLength: 255 });
  }
  if (typeof b.realExternalPlatformId === 'string' && !/^[a-z0-9-]+$/.test(b.realExternalPlatformId)) {
    check.add('realExternalPlatformId', 'realExternalPlatformId must be a platform id such as custom, sms or whatsapp');
  }
  check.boolean(b.isPrivate, 'isPrivate');
  check.boolean(b.hasTreeStructure, 'hasTreeStructure');
  const flags = [
    'hasReply',
    'hasAbilityToSendFiles',
    'hasOutboundFlow',
    'hasManualOutboundFlow',
    'hasOutboundTemplates',
    'isLiveChat',
    'hasMultipleThreadsPerEndUser',
    'canSendSenderActions',
    'hasAgentsAsRecipients',
  ] as const;
  for (const f of flags) check.optionalBoolean(b[f], f);
  check.optionalOneOf(b.contentFormat, 'contentFormat', ['html', 'plain'] as const);
  for (const f of ['studioScript', 'translationGroup'] as const) check.optionalString(b[f], f, { allowEmpty: true });
  check.optionalNumber(b.defaultSkillId, 'defaultSkillId', { integer: true });
  fail(check);
  return {
    contentFormat: 'plain',
    hasReply: true,
    hasOutboundFlow: false,
    hasManualOutboundFlow: false,
    hasOutboundTemplates: false,
    canSendSenderActions: false,
    isLiveChat: false,
    hasMultipleThreadsPerEndUser: false,
    ...(b as unknown as DfoChannel),
  };
}

export function validateContactStatusUpdate(body: unknown): { status: DfoContactStatus; updatedByUserId?: number } {
  const check = new FieldCheck();
  const b = bodyObject(check, body);
  const status = check.oneOf(b.status, 'status', DFO_CONTACT_STATUSES);
  const updatedByUserId = check.optionalNumber(b.updatedByUserId, 'updatedByUserId', { integer: true });
  fail(check);
  return { status: status!, ...(updatedByUserId !== undefined ? { updatedByUserId } : {}) };
}

/** PUT /contacts/{n}/custom-fields: a JSON array of {ident, value}. */
export function validateCustomFieldValues(body: unknown): DfoCustomField[] {
  const check = new FieldCheck();
  if (!Array.isArray(body)) {
    check.add('body', 'the request body must be a JSON array of {ident, value}', 'invalidType');
    fail(check);
  }
  const fields = checkCustomFields(check, body, 'body');
  fail(check);
  return fields;
}

export function validateDeliveryStatus(body: unknown): {
  status: DfoDeliveryStatus;
  updatedAt: string;
  reason?: string;
} {
  const check = new FieldCheck();
  const b = bodyObject(check, body);
  const status = check.oneOf(b.status, 'status', DELIVERY_STATUSES);
  const updatedAt = check.isoDateTime(b.updatedAt, 'updatedAt');
  const reason = check.optionalString(b.reason, 'reason', { allowEmpty: true });
  fail(check);
  return { status: status!, updatedAt: updatedAt!, ...(reason !== undefined ? { reason } : {}) };
}

export function validateSenderAction(body: unknown): (typeof SENDER_ACTIONS)[number] {
  const check = new FieldCheck();
  const b = bodyObject(check, body);
  const action = check.oneOf(b.action, 'action', SENDER_ACTIONS);
  fail(check);
  return action!;
}

export function validateThreadUpdate(body: unknown): { canAddMoreMessages: boolean } {
  const check = new FieldCheck();
  const b = bodyObject(check, body);
  const canAddMoreMessages = check.boolean(b.canAddMoreMessages, 'canAddMoreMessages');
  fail(check);
  return { canAddMoreMessages: canAddMoreMessages! };
}

export function validateOneTimeTokenVerification(body: unknown): {
  brandId: number;
  userId: number;
  token: string;
  purpose: OneTimeTokenPurpose;
} {
  const check = new FieldCheck();
  const b = bodyObject(check, body);
  // Action URLs hand brandId and userId over as query strings, so numeric strings are accepted too.
  const brandId = check.number(numeric(b.brandId), 'brandId', { integer: true });
  const userId = check.number(numeric(b.userId), 'userId', { integer: true });
  const token = check.string(b.token, 'token');
  const purpose = check.oneOf(b.purpose, 'purpose', ONE_TIME_TOKEN_PURPOSES);
  fail(check);
  return { brandId: brandId!, userId: userId!, token: token!, purpose: purpose! };
}

function numeric(value: unknown): unknown {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
}
