import type { MessageStatus } from '@/infra/prisma/generated/client';

/**
 * A message's delivery state, for both directions, in one place:
 * - to the customer (an alert, an agent's reply): QUEUED → SENT (CXone, or the widget, has it) → DELIVERED → SEEN;
 * - from the customer: RECEIVED (stored) → QUEUED (relay to CXone queued) → SENT (CXone has it).
 * FAILED is where a message ends when it could not be delivered after its retries; it may be queued again.
 */
export const MESSAGE_TRANSITIONS: { readonly [S in MessageStatus]: readonly MessageStatus[] } = {
  RECEIVED: ['QUEUED', 'SENT', 'FAILED'],
  QUEUED: ['SENT', 'FAILED'],
  SENT: ['DELIVERED', 'SEEN', 'FAILED'],
  DELIVERED: ['SEEN'],
  SEEN: [],
  FAILED: ['QUEUED'],
};

export function messageAllowedFrom(to: MessageStatus): MessageStatus[] {
  return (Object.keys(MESSAGE_TRANSITIONS) as MessageStatus[]).filter((from) => MESSAGE_TRANSITIONS[from].includes(to));
}
