import { MESSAGE_TRANSITIONS, messageAllowedFrom } from './message.state';

describe('message state machine', () => {
  it('never takes a seen message back', () => {
    expect(MESSAGE_TRANSITIONS.SEEN).toEqual([]);
    expect(messageAllowedFrom('SENT').sort()).toEqual(['QUEUED', 'RECEIVED']);
  });

  it('lets a failed message be queued again, and nothing else', () => {
    expect(MESSAGE_TRANSITIONS.FAILED).toEqual(['QUEUED']);
    expect(messageAllowedFrom('QUEUED').sort()).toEqual(['FAILED', 'RECEIVED']);
  });
});
