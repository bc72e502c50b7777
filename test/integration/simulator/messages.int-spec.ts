import type { DfoContact, DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import type { HttpClient } from '@test/helpers/http';
import {
  CHAT,
  newMessage,
  SimulatorHarness,
  SMS,
  startSimulator,
  templateOutbound,
  textOutbound,
  WHATSAPP,
} from './simulator-harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTACT_NUMBER = /^\d{16}$/;

interface ErrorBody {
  errors: Array<{ field?: string; message: string; errorCode?: string }>;
}

const fieldsOf = (body: ErrorBody): Array<string | undefined> => body.errors.map((e) => e.field);

describe('CXone simulator: DFO messages, contacts and channels', () => {
  let sim: SimulatorHarness;
  let dfo: HttpClient;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await sim.reset();
    dfo = await sim.dfo();
  });

  const messages = async (query = ''): Promise<Array<Record<string, unknown>>> =>
    (await sim.control.get<Array<Record<string, unknown>>>(`/sim/messages${query}`)).body;

  describe('POST /channels/{channelId}/messages', () => {
    it('creates thread, contact and message with ids shaped as CXone returns them', async () => {
      const body = newMessage();
      const res = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, body);

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      const { consumerContact, message } = res.body;
      expect(consumerContact!.id).toMatch(CONTACT_NUMBER);
      expect(consumerContact!.interactionId).toMatch(UUID);
      expect(consumerContact!.threadId).toMatch(UUID);
      expect(consumerContact).toMatchObject({
        channelId: CHAT,
        threadIdOnExternalPlatform: body.thread.idOnExternalPlatform,
        status: 'new',
        direction: 'inbound',
      });
      expect(new Date(consumerContact!.createdAt).toISOString()).toBe(consumerContact!.createdAt);
      expect(message!.id).toMatch(UUID);
      expect(message).toMatchObject({
        idOnExternalPlatform: body.idOnExternalPlatform,
        threadId: consumerContact!.threadId,
        direction: 'inbound',
        contactNumber: consumerContact!.id,
      });
    });

    it('keeps one contact per thread until it is closed, then opens a new one', async () => {
      const thread = { idOnExternalPlatform: 'thread-grouping' };
      const first = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ thread }));
      const second = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ thread }));
      const contactNumber = first.body.consumerContact!.id;

      const closed = await dfo.put(`/dfo/3.0/contacts/${contactNumber}/status`, { status: 'closed' });
      const third = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ thread }));

      expect(second.body.consumerContact!.id).toBe(contactNumber);
      expect(closed.status).toBe(204);
      expect(third.body.consumerContact!.id).not.toBe(contactNumber);
      expect(third.body.consumerContact!.threadId).toBe(first.body.consumerContact!.threadId);
      const contact = await dfo.get<DfoContact>(`/dfo/3.0/contacts/${contactNumber}`);
      expect(contact.body.status).toBe('closed');
      const threads = await sim.control.get<Array<{ contactNumbers: string[] }>>('/sim/threads');
      expect(threads.body[0].contactNumbers).toEqual([contactNumber, third.body.consumerContact!.id]);
    });

    it('names every missing or bad field in a DFO-shaped 400', async () => {
      const res = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${CHAT}/messages`, {
        direction: 'sideways',
        createdAtWithMilliseconds: 'yesterday',
        messageContent: { type: 'TEXT', payload: {} },
        authorEndUserIdentity: {},
      });

      expect(res.status).toBe(400);
      expect(fieldsOf(res.body)).toEqual(
        expect.arrayContaining([
          'idOnExternalPlatform',
          'direction',
          'createdAtWithMilliseconds',
          'thread',
          'messageContent.payload.text',
          'authorEndUserIdentity.idOnExternalPlatform',
        ]),
      );
      expect(res.body.errors.filter((e) => !e.message || !e.errorCode)).toEqual([]);
      expect(await messages()).toHaveLength(0);
    });

    it('404s an unknown channel in DFO shape', async () => {
      const res = await dfo.post<ErrorBody>('/dfo/3.0/channels/nope/messages', newMessage());

      expect(res.status).toBe(404);
      expect(res.body.errors[0].errorCode).toBe('notFound');
    });

    it('dedupes a repeated message id on the channel: the first answer, nothing created', async () => {
      const body = newMessage();
      const first = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, body);
      const again = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${CHAT}/messages`, body);

      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(await messages()).toHaveLength(1);
    });

    it('refuses messages to a locked thread (threadLocked) until it is unlocked', async () => {
      const thread = { idOnExternalPlatform: 'thread-lock' };
      await dfo.post(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ thread }));

      const locked = await dfo.put(`/dfo/3.0/channels/${CHAT}/threads/thread-lock`, { canAddMoreMessages: false });
      const refused = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ thread }));
      await dfo.put(`/dfo/3.0/channels/${CHAT}/threads/thread-lock`, { canAddMoreMessages: true });
      const accepted = await dfo.post(`/dfo/3.0/channels/${CHAT}/messages`, newMessage({ thread }));

      expect(locked.status).toBe(204);
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].errorCode).toBe('threadLocked');
      expect(accepted.status).toBe(200);
      expect(await messages()).toHaveLength(2);
    });
  });

  describe('POST /channels/{channelId}/outbound', () => {
    it('sends a proactive SMS in a new thread with custom fields on the contact', async () => {
      const res = await dfo.post<DfoMessageResponse>(
        `/dfo/3.0/channels/${SMS}/outbound`,
        textOutbound('+15551230001', 'Flight TL123 is cancelled. Reply HELP.', {
          contact: {
            customFields: [
              { ident: 'alert_type', value: 'flight_cancellation' },
              { ident: 'booking_ref', value: 'ABC123' },
            ],
          },
        }),
      );

      expect(res.status).toBe(200);
      const { consumerContact, message } = res.body;
      expect(consumerContact!.id).toMatch(CONTACT_NUMBER);
      expect(consumerContact!.threadIdOnExternalPlatform).toMatch(UUID);
      expect(consumerContact).toMatchObject({ direction: 'outbound', status: 'new' });
      expect(message).toMatchObject({ direction: 'outbound', messageContent: { type: 'TEXT' } });
      const contact = await dfo.get<DfoContact>(`/dfo/3.0/contacts/${consumerContact!.id}`);
      expect(contact.body.customFields).toEqual([
        expect.objectContaining({ ident: 'alert_type', value: 'flight_cancellation' }),
        expect.objectContaining({ ident: 'booking_ref', value: 'ABC123' }),
      ]);
    });

    it('continues a given thread in its open contact, and the customer reply lands there too', async () => {
      const first = await dfo.post<DfoMessageResponse>(
        `/dfo/3.0/channels/${SMS}/outbound`,
        textOutbound('+15551230002', 'First', { thread: { idOnExternalPlatform: 'sms-thread-1' } }),
      );
      const second = await dfo.post<DfoMessageResponse>(
        `/dfo/3.0/channels/${SMS}/outbound`,
        textOutbound('+15551230002', 'Second', { thread: { idOnExternalPlatform: 'sms-thread-1' } }),
      );
      const reply = await sim.control.post<DfoMessageResponse>('/sim/customer/reply', {
        channelId: SMS,
        from: '+15551230002',
        text: 'HELP',
      });

      expect(second.body.consumerContact!.id).toBe(first.body.consumerContact!.id);
      expect(reply.status).toBe(200);
      expect(reply.body.consumerContact!.id).toBe(first.body.consumerContact!.id);
      expect(reply.body.message!.direction).toBe('inbound');
      expect((await messages('?threadIdOnExternalPlatform=sms-thread-1')).map((m) => m.direction)).toEqual([
        'outbound',
        'outbound',
        'inbound',
      ]);
    });

    it('validates the body in DFO shape, naming the fields', async () => {
      const res = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${SMS}/outbound`, {
        messageContent: { type: 'SMOKE_SIGNAL', payload: {} },
        recipients: [{ name: 'no id' }],
      });

      expect(res.status).toBe(400);
      expect(fieldsOf(res.body)).toEqual(
        expect.arrayContaining(['messageContent.type', 'recipients[0].idOnExternalPlatform']),
      );
    });

    it('refuses an SMS recipient that is not a phone number', async () => {
      const res = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('not-a-phone'));

      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({
        field: 'recipients[0].idOnExternalPlatform',
        errorCode: 'invalidRecipient',
      });
    });

    describe('dedupe of the top-level idOnExternalPlatform', () => {
      it('returns the first answer and stores nothing new when on', async () => {
        const body = textOutbound('+15551230003', 'Once', { idOnExternalPlatform: 'alert-1' });
        const first = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${SMS}/outbound`, body);
        const again = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${SMS}/outbound`, body);
        const stats = await sim.control.get<{ outbound: { accepted: number; duplicates: number } }>('/sim/stats');

        expect(again.status).toBe(200);
        expect(again.body).toEqual(first.body);
        expect(first.body.message!.idOnExternalPlatform).toBe('alert-1');
        expect(await messages()).toHaveLength(1);
        expect(stats.body.outbound).toMatchObject({ accepted: 1, duplicates: 1 });
      });

      it('stores the duplicate when off', async () => {
        await sim.control.request('PATCH', '/sim/config', { dedupeMessages: false });
        const body = textOutbound('+15551230004', 'Twice', { idOnExternalPlatform: 'alert-2' });
        const first = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${SMS}/outbound`, body);
        const again = await dfo.post<DfoMessageResponse>(`/dfo/3.0/channels/${SMS}/outbound`, body);

        expect(again.body.message!.id).not.toBe(first.body.message!.id);
        expect(await messages('?idOnExternalPlatform=alert-2')).toHaveLength(2);
      });
    });

    describe('the recipients field (disputed: recipients or endUserRecipients)', () => {
      const withEndUserRecipients = {
        messageContent: { type: 'TEXT', payload: { text: 'hi' } },
        endUserRecipients: [{ idOnExternalPlatform: '+15551230005', isPrimary: true }],
      };

      it('accepts either name by default', async () => {
        const a = await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15551230005'));
        const b = await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, withEndUserRecipients);

        expect([a.status, b.status]).toEqual([200, 200]);
      });

      it('accepts only recipients when set to recipients', async () => {
        await sim.control.request('PATCH', '/sim/config', { recipientsField: 'recipients' });
        const refused = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${SMS}/outbound`, withEndUserRecipients);
        const accepted = await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15551230005'));

        expect(refused.status).toBe(400);
        expect(fieldsOf(refused.body)).toEqual(expect.arrayContaining(['recipients', 'endUserRecipients']));
        expect(accepted.status).toBe(200);
      });

      it('accepts only endUserRecipients when set to endUserRecipients', async () => {
        await sim.control.request('PATCH', '/sim/config', { recipientsField: 'endUserRecipients' });
        const refused = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15551230005'));
        const accepted = await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, withEndUserRecipients);

        expect(refused.status).toBe(400);
        expect(fieldsOf(refused.body)).toEqual(expect.arrayContaining(['endUserRecipients', 'recipients']));
        expect(accepted.status).toBe(200);
      });
    });

    describe('WhatsApp', () => {
      const customer = '+15551230006';

      it('refuses free text before the customer ever wrote, accepts a template, then text after a reply', async () => {
        const text = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${WHATSAPP}/outbound`, textOutbound(customer));
        const template = await dfo.post<DfoMessageResponse>(
          `/dfo/3.0/channels/${WHATSAPP}/outbound`,
          templateOutbound(customer, 'flight_cancellation', { '1': 'Ana', '2': 'TL123' }),
        );
        await sim.control.post('/sim/customer/reply', { channelId: WHATSAPP, from: customer, text: 'HELP' });
        const afterReply = await dfo.post<DfoMessageResponse>(
          `/dfo/3.0/channels/${WHATSAPP}/outbound`,
          textOutbound(customer, 'We can rebook you', {
            thread: { idOnExternalPlatform: template.body.consumerContact!.threadIdOnExternalPlatform },
          }),
        );

        expect(text.status).toBe(400);
        expect(text.body.errors[0].errorCode).toBe('outsideWhatsAppWindow');
        expect(template.status).toBe(200);
        expect(afterReply.status).toBe(200);
        expect(afterReply.body.consumerContact!.id).toBe(template.body.consumerContact!.id);
      });

      it('refuses free text once the window has closed', async () => {
        await sim.control.post('/sim/customer/reply', { channelId: WHATSAPP, from: customer, text: 'hi' });
        await sim.control.request('PATCH', '/sim/config', { whatsappWindowHours: 0 });

        const res = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${WHATSAPP}/outbound`, textOutbound(customer));

        expect(res.status).toBe(400);
        expect(res.body.errors[0].errorCode).toBe('outsideWhatsAppWindow');
      });

      it('opens the window on an inbound message created through the API too', async () => {
        await dfo.post(
          `/dfo/3.0/channels/${WHATSAPP}/messages`,
          newMessage({ authorEndUserIdentity: { idOnExternalPlatform: customer } }),
        );

        const res = await dfo.post(`/dfo/3.0/channels/${WHATSAPP}/outbound`, textOutbound(customer));

        expect(res.status).toBe(200);
      });

      it('refuses an unknown template and names each missing variable', async () => {
        const unknown = await dfo.post<ErrorBody>(
          `/dfo/3.0/channels/${WHATSAPP}/outbound`,
          templateOutbound(customer, 'no_such_template', {}),
        );
        const missing = await dfo.post<ErrorBody>(
          `/dfo/3.0/channels/${WHATSAPP}/outbound`,
          templateOutbound(customer, 'appointment_reminder', { '1': 'Ana' }),
        );

        expect(unknown.status).toBe(400);
        expect(unknown.body.errors[0]).toMatchObject({
          field: 'messageContent.payload.elements[0].template',
          errorCode: 'templateNotFound',
        });
        expect(missing.status).toBe(400);
        expect(fieldsOf(missing.body)).toEqual([
          'messageContent.payload.elements[0].variables.2',
          'messageContent.payload.elements[0].variables.3',
        ]);
      });

      it('lists the channel templates in DFO shape', async () => {
        const res = await dfo.get<{ totalRecords: number; data: Array<Record<string, unknown>> }>(
          `/dfo/3.0/channels/${WHATSAPP}/external-platform-templates`,
        );

        expect(res.status).toBe(200);
        expect(res.body.totalRecords).toBe(2);
        expect(res.body.data[0]).toMatchObject({
          template: 'flight_cancellation',
          language: 'en_US',
          messageContent: {
            type: 'PLUGIN',
            payload: {
              elements: [{ type: 'TEMPLATE', template: 'flight_cancellation', variables: { '1': '', '2': '' } }],
            },
          },
        });
      });
    });
  });

  describe('contacts, custom fields, threads and statuses', () => {
    let contactNumber: string;
    let messageId: string;

    beforeEach(async () => {
      const res = await dfo.post<DfoMessageResponse>(
        `/dfo/3.0/channels/${CHAT}/messages`,
        newMessage({ idOnExternalPlatform: 'widget-msg-1', thread: { idOnExternalPlatform: 'chat-thread-1' } }),
      );
      contactNumber = res.body.consumerContact!.id;
      messageId = res.body.message!.idOnExternalPlatform!;
    });

    it('sets custom field values from a JSON array (204) and shows them on the contact', async () => {
      const res = await dfo.put(`/dfo/3.0/contacts/${contactNumber}/custom-fields`, [
        { ident: 'campaign_id', value: 'c-42' },
      ]);
      const contact = await dfo.get<DfoContact>(`/dfo/3.0/contacts/${contactNumber}`);

      expect(res.status).toBe(204);
      expect(contact.body.customFields).toEqual([expect.objectContaining({ ident: 'campaign_id', value: 'c-42' })]);
    });

    it('refuses custom fields that are not an array of {ident, value}', async () => {
      const notArray = await dfo.put<ErrorBody>(`/dfo/3.0/contacts/${contactNumber}/custom-fields`, {
        ident: 'x',
        value: 'y',
      });
      const noValue = await dfo.put<ErrorBody>(`/dfo/3.0/contacts/${contactNumber}/custom-fields`, [{ ident: 'x' }]);

      expect(notArray.status).toBe(400);
      expect(noValue.status).toBe(400);
      expect(fieldsOf(noValue.body)).toEqual(['body[0].value']);
    });

    it('validates contact status changes and 404s unknown contacts', async () => {
      const invalid = await dfo.put<ErrorBody>(`/dfo/3.0/contacts/${contactNumber}/status`, { status: 'done' });
      const unknown = await dfo.put(`/dfo/3.0/contacts/1234567890123456/status`, { status: 'closed' });
      const resolved = await dfo.put(`/dfo/3.0/contacts/${contactNumber}/status`, { status: 'resolved' });

      expect(invalid.status).toBe(400);
      expect(fieldsOf(invalid.body)).toEqual(['status']);
      expect(unknown.status).toBe(404);
      expect(resolved.status).toBe(204);
      expect((await dfo.get<DfoContact>(`/dfo/3.0/contacts/${contactNumber}`)).body.status).toBe('resolved');
    });

    it('records delivery receipts on the message', async () => {
      const ok = await dfo.put(`/dfo/3.0/channels/${CHAT}/messages/${messageId}/status`, {
        status: 'seen',
        updatedAt: new Date().toISOString(),
      });
      const bad = await dfo.put<ErrorBody>(`/dfo/3.0/channels/${CHAT}/messages/${messageId}/status`, {
        status: 'lost',
      });
      const unknown = await dfo.put(`/dfo/3.0/channels/${CHAT}/messages/nope/status`, {
        status: 'seen',
        updatedAt: new Date().toISOString(),
      });

      expect(ok.status).toBe(204);
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad.body)).toEqual(['status', 'updatedAt']);
      expect(unknown.status).toBe(404);
      expect((await messages())[0]).toMatchObject({ deliveryStatus: 'seen' });
    });

    it('takes the customer typing indicator', async () => {
      const ok = await dfo.post(`/dfo/3.0/channels/${CHAT}/threads/chat-thread-1/sender-actions`, {
        action: 'isTypingOn',
      });
      const bad = await dfo.post(`/dfo/3.0/channels/${CHAT}/threads/chat-thread-1/sender-actions`, { action: 'wave' });

      expect(ok.status).toBe(204);
      expect(bad.status).toBe(400);
      const threads = await sim.control.get<Array<{ lastSenderAction: { action: string } }>>('/sim/threads');
      expect(threads.body[0].lastSenderAction.action).toBe('isTypingOn');
    });

    it('serves the custom field definitions on both documented paths', async () => {
      const a = await dfo.get<Array<{ ident: string }>>('/dfo/3.0/consumer-contact-custom-fields');
      const b = await dfo.get<Array<{ ident: string }>>('/dfo/3.0/contacts/custom-field-definitions');

      expect(a.status).toBe(200);
      expect(a.body.map((d) => d.ident)).toEqual(['alert_type', 'campaign_id', 'booking_ref']);
      expect(b.body).toEqual(a.body);
    });

    it('lists the contact messages', async () => {
      const res = await dfo.get<{ hits: number; data: unknown[] }>(`/dfo/3.0/contacts/${contactNumber}/messages`);

      expect(res.body.hits).toBe(1);
    });
  });

  describe('channels and one-time tokens', () => {
    it('lists, creates (validated), and deletes channels', async () => {
      const list = await dfo.get<Array<{ id: string }>>('/dfo/3.0/channels');
      const invalid = await dfo.post<ErrorBody>('/dfo/3.0/channels', { id: 'chat_x', name: 'X' });
      const created = await dfo.post('/dfo/3.0/channels', {
        id: 'chat_new',
        idOnExternalPlatform: 'chat_new',
        channelIntegrationId: 'threadline-byoc-dev',
        realExternalPlatformId: 'custom',
        name: 'New chat',
        isPrivate: true,
        hasTreeStructure: false,
      });
      const deleted = await dfo.delete('/dfo/3.0/channels/chat_new');
      const deletedAgain = await dfo.delete('/dfo/3.0/channels/chat_new');

      expect(list.body.map((c) => c.id)).toEqual([SMS, WHATSAPP, CHAT]);
      expect(invalid.status).toBe(400);
      expect(fieldsOf(invalid.body)).toEqual(
        expect.arrayContaining([
          'idOnExternalPlatform',
          'channelIntegrationId',
          'realExternalPlatformId',
          'isPrivate',
          'hasTreeStructure',
        ]),
      );
      expect(created.status).toBe(200);
      expect(deleted.status).toBe(204);
      expect(deletedAgain.status).toBe(404);
    });

    it('verifies a one-time token once, without Authorization, for a Channel-API-only access token', async () => {
      const issued = await sim.control.post<{ token: string; brandId: number; userId: number }>(
        '/sim/one-time-tokens',
        {},
      );
      const verify = () =>
        sim.http.post<{ accessToken: string; brand: { id: number }; user: { id: number } }>(
          '/dfo/3.0/one-time-token/verification',
          {
            brandId: issued.body.brandId,
            userId: issued.body.userId,
            token: issued.body.token,
            purpose: 'channel-integration',
          },
        );

      const first = await verify();
      const second = await verify();
      const admin = sim.http.withHeaders({ authorization: `Bearer ${first.body.accessToken}` });

      expect(issued.status).toBe(201);
      expect(first.status).toBe(200);
      expect(first.body.brand.id).toBe(issued.body.brandId);
      expect(first.body.user.id).toBe(issued.body.userId);
      expect(second.status).toBe(401);
      expect((await admin.get('/dfo/3.0/channels')).status).toBe(200);
      expect((await admin.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15551230007'))).status).toBe(403);
    });

    it('refuses a one-time token that was never issued', async () => {
      const res = await sim.http.post<ErrorBody>('/dfo/3.0/one-time-token/verification', {
        brandId: 1,
        userId: 1,
        token: 'forged',
        purpose: 'channel-integration',
      });

      expect(res.status).toBe(401);
      expect(res.body.errors[0].errorCode).toBe('invalidToken');
    });
  });
});
