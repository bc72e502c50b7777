import { OPEN_THREAD_STATUSES, THREAD_TRANSITIONS, threadAllowedFrom } from './thread.state';

describe('thread state machine', () => {
  it('never reopens a closed thread', () => {
    expect(THREAD_TRANSITIONS.CLOSED).toEqual([]);
    const reopening = (Object.keys(THREAD_TRANSITIONS) as Array<keyof typeof THREAD_TRANSITIONS>).filter((to) =>
      threadAllowedFrom(to).includes('CLOSED'),
    );
    expect(reopening).toEqual([]);
  });

  it('closes a thread from any open state', () => {
    expect(threadAllowedFrom('CLOSED').sort()).toEqual(['AWAITING_REPLY', 'IDLE_PROMPTED', 'OPEN', 'REPLIED']);
    expect([...OPEN_THREAD_STATUSES].sort()).toEqual(['AWAITING_REPLY', 'IDLE_PROMPTED', 'OPEN', 'REPLIED']);
  });

  it('opens a proactive chat when the customer answers, and an idle one when they write again', () => {
    expect(threadAllowedFrom('OPEN').sort()).toEqual(['AWAITING_REPLY', 'IDLE_PROMPTED']);
  });

  it('marks an answered SMS or WhatsApp alert REPLIED, which only an end (agent, CXone) leaves', () => {
    expect(threadAllowedFrom('REPLIED')).toEqual(['AWAITING_REPLY']);
    expect(THREAD_TRANSITIONS.REPLIED).toEqual(['CLOSED']);
  });
});
