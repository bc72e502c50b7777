import type { DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import type { HttpClient, HttpResponse } from '@test/helpers/http';
import { CHAT, newMessage, SimulatorHarness, SMS, startSimulator, textOutbound, WHATSAPP } from './simulator-harness';

interface OptOut {
  channelId: string;
  idOnExternalPlatform: string;
  optedOutAt: string;
  source: string;
  keyword: string | null;
}

interface ErrorBody {
  errors: Array<{ field?: string; message: string; errorCode?: string }>;
}

const REFUSAL = {
  errorCode: 'RecipientOptedOut',
  message: 'The recipient opted out of messages on this channel (STOP)',
  field: 'recipients[0].idOnExternalPlatform',
};

describe('CXone simulator: native SMS opt-out (STOP / START)', () => {
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

  const customerWrites = (from: string, text: string, channelId = SMS) =>
    sim.control.post<DfoMessageResponse>('/sim/customer/reply', { channelId, from, text });
  const sms = (to: string, extra = {}): Promise<HttpResponse<ErrorBody & DfoMessageResponse>> =>
    dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound(to, 'Your flight is cancelled', extra));
  const optOuts = async (query = ''): Promise<OptOut[]> =>
    (await sim.control.get<OptOut[]>(`/sim/opt-outs${query}`)).body;

  it('records STOP from a customer, stores the message, then refuses outbound to that number', async () => {
    const before = await sms('+15557000001');
    const stop = await customerWrites('+15557000001', 'Stop!');

    const refused = await sms('+15557000001');
    const other = await sms('+15557000002');

    expect(before.status).toBe(200);
    expect(stop.status).toBe(200);
    expect(stop.body.message).toMatchObject({ direction: 'inbound', messageContent: { payload: { text: 'Stop!' } } });
    const stored = await sim.control.get<Array<{ direction: string; source: string }>>(
      '/sim/messages?direction=inbound',
    );
    expect(stored.body).toEqual([expect.objectContaining({ source: 'customer' })]);
    expect(await optOuts()).toEqual([
      {
        channelId: SMS,
        idOnExternalPlatform: '+15557000001',
        optedOutAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/) as unknown,
        source: 'keyword',
        keyword: 'STOP',
      },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([REFUSAL]);
    expect(other.status).toBe(200);
    const outbound = await sim.control.get<Array<{ recipients: Array<{ idOnExternalPlatform: string }> }>>(
      '/sim/messages?direction=outbound',
    );
    expect(outbound.body.map((m) => m.recipients[0].idOnExternalPlatform)).toEqual(['+15557000001', '+15557000002']);
  });

  it.each(['STOP', 'stopall', ' Unsubscribe. ', 'CANCEL', 'end', 'Quit!!'])(
    'treats %j as an opt-out keyword',
    async (text) => {
      await customerWrites('+15557000010', text);

      expect((await sms('+15557000010')).status).toBe(400);
    },
  );

  it.each(['stop it', 'STOP ALL', 'please stop', 'HELP'])('treats %j as an ordinary message', async (text) => {
    await customerWrites('+15557000011', text);

    expect(await optOuts()).toEqual([]);
    expect((await sms('+15557000011')).status).toBe(200);
  });

  it.each(['START', 'unstop', 'Yes.'])('lets %j opt the number back in', async (text) => {
    await customerWrites('+15557000012', 'STOP');
    await customerWrites('+15557000012', text);

    expect(await optOuts()).toEqual([]);
    expect((await sms('+15557000012')).status).toBe(200);
  });

  it('keeps a number opted out through ordinary messages', async () => {
    await customerWrites('+15557000013', 'STOP');
    await customerWrites('+15557000013', 'why did I get this?');

    expect((await optOuts()).map((o) => o.idOnExternalPlatform)).toEqual(['+15557000013']);
    expect((await sms('+15557000013')).status).toBe(400);
  });

  it('takes STOP from an inbound DFO create message on the SMS channel too, not from an outbound one', async () => {
    const inbound = await dfo.post(
      `/dfo/3.0/channels/${SMS}/messages`,
      newMessage({
        messageContent: { type: 'TEXT', payload: { text: 'STOP' } },
        authorEndUserIdentity: {
          idOnExternalPlatform: '+15557000020',
        },
      }),
    );
    await dfo.post(
      `/dfo/3.0/channels/${SMS}/messages`,
      newMessage({
        direction: 'outbound',
        messageContent: { type: 'TEXT', payload: { text: 'STOP' } },
        authorEndUserIdentity: { idOnExternalPlatform: '+15557000021' },
      }),
    );

    expect(inbound.status).toBe(200);
    expect((await optOuts()).map((o) => o.idOnExternalPlatform)).toEqual(['+15557000020']);
    expect((await sms('+15557000020')).status).toBe(400);
    expect((await sms('+15557000021')).status).toBe(200);
  });

  it('applies to SMS only: STOP on WhatsApp or chat changes nothing', async () => {
    await customerWrites('+15557000030', 'STOP', WHATSAPP);
    await dfo.post(
      `/dfo/3.0/channels/${CHAT}/messages`,
      newMessage({ messageContent: { type: 'TEXT', payload: { text: 'STOP' } } }),
    );

    expect(await optOuts()).toEqual([]);
  });

  it('names the opted-out recipient under the field the caller used', async () => {
    await customerWrites('+15557000040', 'STOP');

    const res = await dfo.post<ErrorBody>(`/dfo/3.0/channels/${SMS}/outbound`, {
      messageContent: { type: 'TEXT', payload: { text: 'x' } },
      endUserRecipients: [{ idOnExternalPlatform: '+15557000041' }, { idOnExternalPlatform: '+15557000040' }],
    });

    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ ...REFUSAL, field: 'endUserRecipients[1].idOnExternalPlatform' }]);
  });

  it('refuses with the configured status and errorCode, and not at all when nativeOptOut is off', async () => {
    await customerWrites('+15557000050', 'STOP');

    await sim.control.patch('/sim/config', { optOutRefusalStatus: 422, optOutErrorCode: 'optedOut' });
    const unprocessable = await sms('+15557000050');
    await sim.control.patch('/sim/config', { optOutRefusalStatus: 403 });
    const forbidden = await sms('+15557000050');
    await sim.control.patch('/sim/config', { nativeOptOut: false });
    const allowed = await sms('+15557000050');
    await customerWrites('+15557000051', 'STOP');

    expect(unprocessable.status).toBe(422);
    expect(unprocessable.body.errors).toEqual([{ ...REFUSAL, errorCode: 'optedOut' }]);
    expect(forbidden.status).toBe(403);
    expect(allowed.status).toBe(200);
    // Off: keywords are not recorded either; what was recorded stays listed.
    expect((await optOuts()).map((o) => o.idOnExternalPlatform)).toEqual(['+15557000050']);
  });

  it('refuses an agent message to an opted-out number', async () => {
    await customerWrites('+15557000060', 'STOP');

    const res = await sim.control.post<{ details: ErrorBody['errors'] }>('/sim/agent/outbound', {
      channelId: SMS,
      to: '+15557000060',
      text: 'Calling you about your flight',
    });

    expect(res.status).toBe(409);
    expect(res.body.details).toEqual([REFUSAL]);
  });

  it('does not refuse a retried outbound whose first attempt was accepted before the STOP (dedupe)', async () => {
    const body = { idOnExternalPlatform: 'alert-before-stop' };
    const first = await sms('+15557000070', body);
    await customerWrites('+15557000070', 'STOP');

    const retry = await sms('+15557000070', body);

    expect(retry.status).toBe(200);
    expect(retry.body.message!.id).toBe(first.body.message!.id);
  });

  describe('control API: GET/POST/DELETE /sim/opt-outs', () => {
    it('sets and clears an opt-out directly, filtering by channel', async () => {
      const created = await sim.control.post<OptOut>('/sim/opt-outs', {
        channelId: SMS,
        idOnExternalPlatform: '+15557000080',
      });
      const again = await sim.control.post<OptOut>('/sim/opt-outs', {
        channelId: SMS,
        idOnExternalPlatform: '+15557000080',
      });
      const refused = await sms('+15557000080');
      const listed = await optOuts(`?channelId=${SMS}`);
      const otherChannel = await optOuts(`?channelId=${WHATSAPP}`);

      const removed = await sim.control.delete(`/sim/opt-outs/${SMS}/${encodeURIComponent('+15557000080')}`);
      const removedAgain = await sim.control.delete(`/sim/opt-outs/${SMS}/${encodeURIComponent('+15557000080')}`);

      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ channelId: SMS, idOnExternalPlatform: '+15557000080', source: 'control' });
      expect(again.status).toBe(200);
      expect(again.body.optedOutAt).toBe(created.body.optedOutAt);
      expect(refused.status).toBe(400);
      expect(listed.map((o) => o.idOnExternalPlatform)).toEqual(['+15557000080']);
      expect(otherChannel).toEqual([]);
      expect(removed.status).toBe(204);
      expect(removedAgain.status).toBe(404);
      expect(await optOuts()).toEqual([]);
      expect((await sms('+15557000080')).status).toBe(200);
    });

    it('validates the body with 400s naming each field', async () => {
      const cases: Array<[unknown, string[]]> = [
        [{}, ['channelId', 'idOnExternalPlatform']],
        [{ channelId: null, idOnExternalPlatform: 5 }, ['channelId', 'idOnExternalPlatform']],
        [{ channelId: SMS, idOnExternalPlatform: '', extra: true }, ['extra', 'idOnExternalPlatform']],
        [{ channelId: SMS, idOnExternalPlatform: '+1555\u00007000081' }, ['idOnExternalPlatform']],
      ];
      for (const [body, fields] of cases) {
        const res = await sim.control.post<{ details: Array<{ field: string }> }>('/sim/opt-outs', body);
        expect({ body, status: res.status, fields: res.body.details.map((d) => d.field).sort() }).toEqual({
          body,
          status: 400,
          fields,
        });
      }
      const notObject = await sim.control.post('/sim/opt-outs', ['x']);
      const unknownChannel = await sim.control.post('/sim/opt-outs', { channelId: 'nope', idOnExternalPlatform: '1' });
      const notSms = await sim.control.post('/sim/opt-outs', { channelId: WHATSAPP, idOnExternalPlatform: '+1555' });

      expect(notObject.status).toBe(400);
      expect(unknownChannel.status).toBe(404);
      expect(notSms.status).toBe(409);
      expect(await optOuts()).toEqual([]);
    });

    it('is cleared by /sim/reset', async () => {
      await customerWrites('+15557000090', 'STOP');

      await sim.reset();
      dfo = await sim.dfo(); // reset also forgets every token

      expect(await optOuts()).toEqual([]);
      expect((await sms('+15557000090')).status).toBe(200);
    });
  });
});
