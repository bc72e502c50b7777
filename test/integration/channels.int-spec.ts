import { createCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient } from '@test/helpers/http';

describe('channels', () => {
  let t: TestApp;
  let admin: HttpClient;

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLE: 'api' });
    admin = await t.clientWithScopes('admin');
  });
  afterAll(() => t.close());

  it('registers a channel once per account and refuses a second registration', async () => {
    await registerChannel(admin, 'sms_one');
    const again = await admin.post('/api/v1/channels', { cxoneChannelId: 'sms_one', kind: 'SMS', name: 'again' });
    expect(again.status).toBe(409);
  });

  it('deletes an unused channel, and refuses (409) to delete one campaigns use', async () => {
    const unused = await registerChannel(admin, 'sms_unused');
    expect((await admin.delete(`/api/v1/channels/${unused.id}`)).status).toBe(204);
    expect((await admin.get(`/api/v1/channels/${unused.id}`)).status).toBe(404);

    const used = await registerChannel(admin, 'sms_used');
    await createCampaign(admin, { channelId: used.id, recipients: phones(1).map((to) => ({ to })) });
    const refused = await admin.delete<{ message: string }>(`/api/v1/channels/${used.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('deactivate it');
  });

  it('accepts no new campaigns on a deactivated channel', async () => {
    const channel = await registerChannel(admin, 'sms_retired');
    await admin.patch(`/api/v1/channels/${channel.id}`, { isActive: false });
    const res = await admin.post('/api/v1/campaigns', {
      name: 'x',
      channelId: channel.id,
      content: { type: 'TEXT', text: 'hi' },
    });
    expect(res.status).toBe(409);
  });
});
