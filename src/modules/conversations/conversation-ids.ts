import { randomUUID } from 'node:crypto';

/**
 * The ids Threadline gives conversation objects on its side of CXone (idOnExternalPlatform), stable so a retried
 * relay carries the same ones. A customer's message id embeds their contact and the id their browser gave it, so the
 * same post twice is one message.
 */
export const conversationThreadId = (): string => `tc-${randomUUID()}`;
export const agentMessageId = (): string => `ta-${randomUUID()}`;
export const customerMessageId = (contactId: string, clientMessageId: string): string =>
  `wm-${contactId}-${clientMessageId}`;

const CUSTOMER_MESSAGE = /^wm-[0-9a-f-]{36}-(.+)$/;

export function clientMessageIdOf(idOnExternalPlatform: string): string | null {
  return CUSTOMER_MESSAGE.exec(idOnExternalPlatform)?.[1] ?? null;
}
