import { campaignAllowedFrom, recipientAllowedFrom, TERMINAL_RECIPIENT_STATUSES } from './campaign.state';

describe('campaign and recipient state machines', () => {
  it('lets a campaign run from draft, schedule, pause or (retry-failed) completion only', () => {
    expect(campaignAllowedFrom('RUNNING').sort()).toEqual(['COMPLETED', 'DRAFT', 'PAUSED', 'SCHEDULED']);
    expect(campaignAllowedFrom('PAUSED')).toEqual(['RUNNING']);
    expect(campaignAllowedFrom('CANCELLED').sort()).toEqual(['DRAFT', 'PAUSED', 'RUNNING', 'SCHEDULED']);
  });

  it('never leaves a sent or skipped recipient', () => {
    for (const to of ['PENDING', 'QUEUED', 'SENDING', 'SENT', 'FAILED'] as const) {
      expect(recipientAllowedFrom(to)).not.toContain('SENT');
      expect(recipientAllowedFrom(to)).not.toContain('SKIPPED_OPTED_OUT');
      expect(recipientAllowedFrom(to)).not.toContain('CANCELLED');
    }
  });

  it('only claims queued or re-claims sending rows', () => {
    expect(recipientAllowedFrom('SENDING').sort()).toEqual(['QUEUED', 'SENDING']);
  });

  it('counts FAILED as terminal (until retry-failed)', () => {
    expect(TERMINAL_RECIPIENT_STATUSES).toEqual(
      expect.arrayContaining(['SENT', 'FAILED', 'SKIPPED_OPTED_OUT', 'SKIPPED_INVALID', 'SKIPPED_WINDOW', 'CANCELLED']),
    );
    expect(TERMINAL_RECIPIENT_STATUSES).not.toContain('SENDING');
  });
});
