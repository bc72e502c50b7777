import type { CampaignStatus, RecipientStatus } from '@/infra/prisma/generated/client';

/**
 * The state machines, in one place. Repository updates only move rows along these edges (their WHERE clauses use
 * `allowedFrom`), so a late or repeated job can never move a row backwards or out of a terminal state.
 */

export const CAMPAIGN_TRANSITIONS: { readonly [S in CampaignStatus]: readonly CampaignStatus[] } = {
  DRAFT: ['SCHEDULED', 'RUNNING', 'CANCELLED'],
  SCHEDULED: ['RUNNING', 'CANCELLED'],
  RUNNING: ['PAUSED', 'COMPLETED', 'CANCELLED'],
  PAUSED: ['RUNNING', 'CANCELLED'],
  // retry-failed re-opens a completed campaign
  COMPLETED: ['RUNNING'],
  CANCELLED: [],
};

export const RECIPIENT_TRANSITIONS: { readonly [S in RecipientStatus]: readonly RecipientStatus[] } = {
  PENDING: ['QUEUED', 'CANCELLED', 'SKIPPED_OPTED_OUT', 'SKIPPED_WINDOW'],
  // back to PENDING when the campaign is paused
  QUEUED: ['SENDING', 'PENDING', 'CANCELLED'],
  // SENDING → SENDING: the same job re-claims the row after a crash; → QUEUED: a transient failure, waiting for its
  // retry (so pausing returns it to PENDING like any queued row); → PENDING / CANCELLED: the campaign was paused or
  // cancelled while the row waited for its rate slot, or its job found it stopped
  SENDING: [
    'SENDING',
    'QUEUED',
    'SENT',
    'FAILED',
    'SKIPPED_OPTED_OUT',
    'SKIPPED_WINDOW',
    'SKIPPED_INVALID',
    'PENDING',
    'CANCELLED',
  ],
  SENT: [],
  // retry-failed
  FAILED: ['PENDING'],
  SKIPPED_OPTED_OUT: [],
  SKIPPED_INVALID: [],
  SKIPPED_WINDOW: [],
  CANCELLED: [],
};

export const TERMINAL_RECIPIENT_STATUSES: readonly RecipientStatus[] = (
  Object.keys(RECIPIENT_TRANSITIONS) as RecipientStatus[]
).filter((s) => RECIPIENT_TRANSITIONS[s].length === 0 || s === 'FAILED');

export const OPEN_RECIPIENT_STATUSES: readonly RecipientStatus[] = ['PENDING', 'QUEUED', 'SENDING'];

/** Statuses from which `to` may be reached. */
export function campaignAllowedFrom(to: CampaignStatus): CampaignStatus[] {
  return (Object.keys(CAMPAIGN_TRANSITIONS) as CampaignStatus[]).filter((from) =>
    CAMPAIGN_TRANSITIONS[from].includes(to),
  );
}

export function recipientAllowedFrom(to: RecipientStatus): RecipientStatus[] {
  return (Object.keys(RECIPIENT_TRANSITIONS) as RecipientStatus[]).filter((from) =>
    RECIPIENT_TRANSITIONS[from].includes(to),
  );
}

/** Failure reasons retry-failed may re-queue (the cause can go away); REJECTED and INVALID cannot. */
export const RETRYABLE_FAILURE_REASONS = ['TRANSIENT', 'RATE_LIMITED', 'AUTH'] as const;
export type FailureReason = (typeof RETRYABLE_FAILURE_REASONS)[number] | 'REJECTED' | 'INVALID';
