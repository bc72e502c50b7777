import type { MessageRow } from '@/modules/messages/messages.repository';
import type { ThreadRow } from '@/modules/threads/threads.repository';
import { clientMessageIdOf } from './conversation-ids';

/** A message as the chat widget shows it. */
export interface MessageView {
  id: string;
  threadId: string;
  clientMessageId: string | null;
  author: 'customer' | 'agent' | 'system';
  text: string;
  createdAt: string;
  /** Customer messages: sending (stored, on its way to CXone), delivered (CXone has it), failed. Others: received. */
  state: 'sending' | 'delivered' | 'failed' | 'received';
  agentName?: string;
}

/** A conversation as the chat widget shows it. */
export interface ThreadView {
  id: string;
  status: 'open' | 'idle-prompted' | 'ended';
  endedBy: 'agent' | 'customer' | 'idle' | null;
  /** While idle-prompted: when the conversation ends unless the customer writes. */
  idleEndsAt: string | null;
  canWrite: boolean;
}

export function toMessageView(row: MessageRow): MessageView {
  const author = row.author === 'CUSTOMER' ? 'customer' : row.author === 'AGENT' ? 'agent' : 'system';
  return {
    id: row.id,
    threadId: row.threadId,
    clientMessageId: author === 'customer' ? clientMessageIdOf(row.idOnExternalPlatform) : null,
    author,
    text: textOf(row.content),
    createdAt: row.createdAt.toISOString(),
    state: author !== 'customer' ? 'received' : customerState(row.status),
    ...(row.authorName ? { agentName: row.authorName } : {}),
  };
}

export function customerState(status: MessageRow['status']): MessageView['state'] {
  if (status === 'FAILED') return 'failed';
  if (status === 'RECEIVED' || status === 'QUEUED') return 'sending';
  return 'delivered';
}

export function toThreadView(row: Pick<ThreadRow, 'id' | 'status' | 'closeReason' | 'idleEndAt'>): ThreadView {
  if (row.status === 'CLOSED') {
    const endedBy =
      row.closeReason === 'AGENT_ENDED' ? 'agent' : row.closeReason === 'CUSTOMER_ENDED' ? 'customer' : 'idle';
    return { id: row.id, status: 'ended', endedBy, idleEndsAt: null, canWrite: false };
  }
  if (row.status === 'IDLE_PROMPTED') {
    return {
      id: row.id,
      status: 'idle-prompted',
      endedBy: null,
      idleEndsAt: row.idleEndAt?.toISOString() ?? null,
      canWrite: true,
    };
  }
  return { id: row.id, status: 'open', endedBy: null, idleEndsAt: null, canWrite: true };
}

/**
 * The text of stored content, whichever shape it has: DFO messageContent (`{type, payload: {text}}`, or rich content
 * with `payload.text.content` or `fallbackText`), or a proactive alert (`{type: 'TEXT', text}` or a template).
 */
export function textOf(content: unknown): string {
  if (!content || typeof content !== 'object') return '';
  const c = content as {
    text?: unknown;
    payload?: { text?: unknown; elements?: Array<{ text?: unknown; template?: unknown }> };
    fallbackText?: unknown;
    template?: { name?: unknown };
  };
  if (typeof c.text === 'string') return c.text;
  const payloadText = c.payload?.text;
  if (typeof payloadText === 'string') return payloadText;
  if (
    payloadText &&
    typeof payloadText === 'object' &&
    typeof (payloadText as { content?: unknown }).content === 'string'
  )
    return (payloadText as { content: string }).content;
  if (typeof c.fallbackText === 'string' && c.fallbackText) return c.fallbackText;
  const element = c.payload?.elements?.find((e) => typeof e.text === 'string' || typeof e.template === 'string');
  if (element && typeof element.text === 'string') return element.text;
  if (element && typeof element.template === 'string') return `[${element.template}]`;
  if (c.template && typeof c.template.name === 'string') return `[${c.template.name}]`;
  return '';
}
