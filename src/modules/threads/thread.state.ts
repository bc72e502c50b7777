import type { ThreadStatus } from '@/infra/prisma/generated/client';

/**
 * The thread state machine, in one place. A proactive alert's thread and a BYOC chat are the same kind of row, so a
 * reply, a STOP or an agent's answer lands in one place whichever channel carried it. Repository updates only move
 * threads along these edges.
 */
export const THREAD_TRANSITIONS: { readonly [S in ThreadStatus]: readonly ThreadStatus[] } = {
  // a proactive alert went out: the customer answers (REPLIED; on a chat channel the chat is OPEN) or nobody does
  // (CLOSED, auto-closed)
  AWAITING_REPLY: ['REPLIED', 'OPEN', 'CLOSED'],
  // answered: it ends when the agent (or CXone) resolves it; further replies keep it REPLIED
  REPLIED: ['CLOSED'],
  // a conversation: the idle prompt may be sent, or it ends (agent, customer, idle countdown)
  OPEN: ['IDLE_PROMPTED', 'CLOSED'],
  // the customer wrote again (OPEN) or the countdown ran out (CLOSED)
  IDLE_PROMPTED: ['OPEN', 'CLOSED'],
  // ended for good: a new conversation is a new thread
  CLOSED: [],
};

export function threadAllowedFrom(to: ThreadStatus): ThreadStatus[] {
  return (Object.keys(THREAD_TRANSITIONS) as ThreadStatus[]).filter((from) => THREAD_TRANSITIONS[from].includes(to));
}

export const OPEN_THREAD_STATUSES: readonly ThreadStatus[] = (Object.keys(THREAD_TRANSITIONS) as ThreadStatus[]).filter(
  (s) => THREAD_TRANSITIONS[s].length > 0,
);
