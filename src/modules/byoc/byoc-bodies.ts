import { ValidationFailedError } from '@/infra/errors/domain-error';
import type { DfoMessageContent } from '@/integrations/cxone/dfo.types';

/**
 * What CXone posts to the BYOC endpoints, read by hand rather than with the admin API's strict DTOs: CXone sends
 * more fields than any public source lists (brand, attachments, forward…), so unknown fields are ignored, while the
 * fields Threadline needs are required and checked, with a 400 naming each one.
 */

const MAX_TEXT = 10_000;
const MAX_ID = 255;
/** Content types a chat widget can show (as text, with its fallback for the others). */
const KNOWN_CONTENT_TYPES = new Set(['TEXT', 'QUICK_REPLIES', 'LIST_PICKER', 'RICH_LINK', 'PLUGIN', 'ADAPTIVE_CARD']);

export interface OutboundBody {
  threadExternalId: string;
  content: DfoMessageContent;
  recipient: { idOnExternalPlatform: string; name: string | null } | null;
  authorName: string | null;
}

class BodyReader {
  readonly problems: Array<{ field: string; problems: string[] }> = [];

  object(value: unknown, field: string): Record<string, unknown> | undefined {
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    this.problem(field, 'must be an object');
    return undefined;
  }

  id(value: unknown, field: string): string | undefined {
    if (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID && !/\s/.test(value)) return value;
    this.problem(field, `must be a non-empty string of at most ${MAX_ID} characters without spaces`);
    return undefined;
  }

  optionalName(value: unknown): string | null {
    return typeof value === 'string' && value.trim() ? value.trim().slice(0, 200) : null;
  }

  problem(field: string, problem: string): void {
    this.problems.push({ field, problems: [problem] });
  }

  done<T>(value: T): T {
    if (this.problems.length > 0) {
      throw new ValidationFailedError(
        this.problems.map((p) => `${p.field} ${p.problems.join(', ')}`).join('; '),
        this.problems,
      );
    }
    return value;
  }
}

export function readContent(reader: BodyReader, value: unknown, field: string): DfoMessageContent | undefined {
  const content = reader.object(value, field);
  if (!content) return undefined;
  const type = content.type;
  if (typeof type !== 'string' || !KNOWN_CONTENT_TYPES.has(type)) {
    reader.problem(`${field}.type`, `must be one of ${[...KNOWN_CONTENT_TYPES].join(', ')}`);
    return undefined;
  }
  const payload = reader.object(content.payload, `${field}.payload`);
  if (!payload) return undefined;
  if (type === 'TEXT') {
    const text = payload.text;
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT) {
      reader.problem(`${field}.payload.text`, `must be a non-empty string of at most ${MAX_TEXT} characters`);
      return undefined;
    }
  }
  if (JSON.stringify(content).length > 64 * 1024) {
    reader.problem(field, 'is larger than 64 KiB');
    return undefined;
  }
  return content as unknown as DfoMessageContent;
}

function authorNameOf(value: unknown): string | null {
  if (!value || typeof value !== 'object') return null;
  const user = value as { firstName?: unknown; surname?: unknown; nickname?: unknown };
  const name = [user.firstName, user.surname].filter((p) => typeof p === 'string' && p.trim()).join(' ');
  if (name) return name.slice(0, 200);
  return typeof user.nickname === 'string' && user.nickname.trim() ? user.nickname.trim().slice(0, 200) : null;
}

/** POST /2.0/channel/{channelId}/outbound: `{thread, messageContent, endUserRecipients, authorUser?, …}`. */
export function readOutbound(body: unknown): OutboundBody {
  const reader = new BodyReader();
  const root = reader.object(body, 'body');
  if (!root) return reader.done(undefined as never);
  const thread = reader.object(root.thread, 'thread');
  const threadExternalId = thread ? reader.id(thread.idOnExternalPlatform, 'thread.idOnExternalPlatform') : undefined;
  const content = readContent(reader, root.messageContent, 'messageContent');
  let recipient: OutboundBody['recipient'] = null;
  const recipients = root.endUserRecipients ?? root.recipients;
  if (recipients !== undefined) {
    if (!Array.isArray(recipients)) reader.problem('endUserRecipients', 'must be an array');
    else if (recipients.length > 0) {
      const first = reader.object(recipients[0], 'endUserRecipients[0]');
      const id = first ? reader.id(first.idOnExternalPlatform, 'endUserRecipients[0].idOnExternalPlatform') : undefined;
      if (id) recipient = { idOnExternalPlatform: id, name: reader.optionalName(first?.name) };
    }
  }
  return reader.done({
    threadExternalId: threadExternalId!,
    content: content!,
    recipient,
    authorName: authorNameOf(root.authorUser),
  });
}

/** POST /1.0/posts/{postId}/messages (the legacy reply): `{messageContent, recipients?, author?, …}`. */
export function readLegacyReply(postId: string, body: unknown): OutboundBody {
  const reader = new BodyReader();
  reader.id(postId, 'postId');
  const root = reader.object(body, 'body');
  if (!root) return reader.done(undefined as never);
  const content = readContent(reader, root.messageContent, 'messageContent');
  const recipients = Array.isArray(root.recipients) ? root.recipients : [];
  const first = recipients[0] as { idOnExternalPlatform?: unknown; name?: unknown } | undefined;
  const recipient =
    first && typeof first.idOnExternalPlatform === 'string' && first.idOnExternalPlatform
      ? { idOnExternalPlatform: first.idOnExternalPlatform, name: reader.optionalName(first.name) }
      : null;
  return reader.done({ threadExternalId: postId, content: content!, recipient, authorName: authorNameOf(root.author) });
}

/** POST …/sender-action: `{senderAction: {action}}` (or `{action}`) with isTypingOn / isTypingOff. */
export function readSenderAction(body: unknown): { typing: boolean; authorName: string | null } {
  const reader = new BodyReader();
  const root = reader.object(body, 'body');
  if (!root) return reader.done(undefined as never);
  const nested =
    root.senderAction && typeof root.senderAction === 'object' ? (root.senderAction as { action?: unknown }) : root;
  const action = nested.action;
  if (action !== 'isTypingOn' && action !== 'isTypingOff')
    reader.problem('senderAction.action', 'must be isTypingOn or isTypingOff');
  return reader.done({ typing: action === 'isTypingOn', authorName: authorNameOf(root.authorUser) });
}

/** POST …/recipients/validation: `{endUserRecipients: [{idOnExternalPlatform}]}`. */
export function readRecipients(body: unknown): string[] {
  const reader = new BodyReader();
  const root = reader.object(body, 'body');
  if (!root) return reader.done(undefined as never);
  const recipients = root.endUserRecipients ?? root.recipients;
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > 100) {
    reader.problem('endUserRecipients', 'must be an array of 1 to 100 recipients');
    return reader.done([]);
  }
  const ids = recipients.map((r, i) => {
    const recipient = reader.object(r, `endUserRecipients[${i}]`);
    return recipient
      ? reader.id(recipient.idOnExternalPlatform, `endUserRecipients[${i}].idOnExternalPlatform`)
      : undefined;
  });
  return reader.done(ids as string[]);
}

/** The token request, JSON or form-encoded (RFC 6749 §4.4.2). */
export function readTokenRequest(body: unknown): { grantType: unknown; clientId: unknown; clientSecret: unknown } {
  const root = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return { grantType: root.grant_type, clientId: root.client_id, clientSecret: root.client_secret };
}
