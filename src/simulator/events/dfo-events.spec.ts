import type { SimContact, SimMessage } from '@/simulator/state/conversations';
import { caseStatusChangedEvent, isoSeconds, messageCreatedEvent } from './dfo-events';

describe('DFO event envelopes', () => {
  const now = Date.parse('2030-05-06T07:08:09.123Z');
  const brand = { id: 4501, friendlyName: 'Brand', tenantId: 'tenant-1' };
  const contact = {
    id: '1749798712389111',
    channelId: 'sms_threadline_dev',
    threadId: 'thread-uuid',
    threadIdOnExternalPlatform: 'thread-ext',
    status: 'resolved',
    direction: 'outbound',
    endUserIdOnExternalPlatform: '+15550001111',
  } as SimContact;

  it('gives createdAt to the second and createdAtWithMilliseconds to the millisecond', () => {
    expect(isoSeconds(now)).toBe('2030-05-06T07:08:09Z');
    expect(isoSeconds(Date.parse('2030-05-06T07:08:09.999Z'))).toBe('2030-05-06T07:08:09Z');
  });

  it('builds Case/CaseStatusChanged with the previous status and the end user', () => {
    expect(caseStatusChangedEvent(brand, contact, 'open', now, 'event-1')).toEqual({
      eventId: 'event-1',
      eventObject: 'Case',
      eventType: 'CaseStatusChanged',
      createdAt: '2030-05-06T07:08:09Z',
      createdAtWithMilliseconds: '2030-05-06T07:08:09.123Z',
      data: {
        brand,
        channel: { id: 'sms_threadline_dev' },
        case: {
          id: '1749798712389111',
          threadId: 'thread-uuid',
          threadIdOnExternalPlatform: 'thread-ext',
          status: 'resolved',
          previousStatus: 'open',
          endUserRecipients: [{ idOnExternalPlatform: '+15550001111' }],
        },
      },
    });
  });

  it('builds Message/MessageCreated around the DFO MessageDetail, with a fresh uuid by default', () => {
    const message = {
      seq: 1,
      id: 'message-uuid',
      idOnExternalPlatform: 'sim-in-1',
      channelId: 'sms_threadline_dev',
      threadId: 'thread-uuid',
      threadIdOnExternalPlatform: 'thread-ext',
      contactNumber: '1749798712389111',
      direction: 'inbound',
      createdAt: now,
      createdAtWithMilliseconds: '2030-05-06T07:08:09.123Z',
      messageContent: { type: 'TEXT', payload: { text: 'STOP' } },
      attachments: [],
      authorEndUserIdentity: { idOnExternalPlatform: '+15550001111' },
      authorUser: null,
      recipients: [],
      source: 'customer',
      deliveryStatus: null,
      deliveryStatusUpdatedAt: null,
    } as SimMessage;

    const event = messageCreatedEvent(brand, contact, message, now);

    expect(event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event).toMatchObject({ eventObject: 'Message', eventType: 'MessageCreated' });
    expect(event.data.case).toEqual({
      id: '1749798712389111',
      threadId: 'thread-uuid',
      threadIdOnExternalPlatform: 'thread-ext',
      status: 'resolved',
      direction: 'outbound',
    });
    expect(event.data.message).toMatchObject({
      id: 'message-uuid',
      idOnExternalPlatform: 'sim-in-1',
      direction: 'inbound',
      messageContent: { type: 'TEXT', payload: { text: 'STOP' } },
      authorEndUserIdentity: { idOnExternalPlatform: '+15550001111' },
      createdAtWithMilliseconds: '2030-05-06T07:08:09.123Z',
      contactNumber: '1749798712389111',
    });
  });
});
