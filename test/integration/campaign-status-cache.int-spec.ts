import { DatabaseNotifications } from '@/infra/prisma/database-notifications';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { CampaignStatusCache } from '@/modules/dispatch/campaign-status-cache';
import { createCampaign, registerChannel } from '@test/factories/campaigns';
import { startTestApp, TestApp } from '@test/helpers/app';
import { adminQuery } from '@test/helpers/database';
import { eventually } from '@test/helpers/eventually';

/**
 * The campaign statuses the check before each send reads from memory: a status change made anywhere (another
 * process, plain SQL) reaches them through PostgreSQL's NOTIFY, and without the listening connection every read goes
 * to the database.
 */
describe('campaign status cache', () => {
  let t: TestApp;
  let cache: CampaignStatusCache;
  let notifications: DatabaseNotifications;
  let campaignId: string;

  const setStatus = (status: string) =>
    t.app
      .get(PrismaService)
      .pool.query(`UPDATE campaign SET status = $2::"CampaignStatus" WHERE id = $1`, [campaignId, status]);

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLE: 'api' });
    const admin = await t.clientWithScopes('admin');
    const channel = await registerChannel(admin, 'sms_threadline_dev');
    campaignId = (await createCampaign(admin, { channelId: channel.id })).id;
    await setStatus('RUNNING');
    cache = t.app.get(CampaignStatusCache);
    notifications = t.app.get(DatabaseNotifications);
  });
  afterAll(() => t.close());

  it('sees a change made elsewhere at once, though it answers from memory', async () => {
    expect(await cache.get(campaignId)).toBe('RUNNING');
    await eventually(() => Promise.resolve(notifications.isListening), Boolean, { what: 'the listening connection' });
    expect(await cache.get(campaignId)).toBe('RUNNING'); // now cached

    await setStatus('PAUSED');

    await eventually(
      () => cache.get(campaignId),
      (s) => s === 'PAUSED',
      { what: 'the pause to reach the cache' },
    );
    await setStatus('RUNNING');
    await eventually(
      () => cache.get(campaignId),
      (s) => s === 'RUNNING',
      { what: 'the resume to reach the cache' },
    );
  });

  it('reads the database while notifications could be missed, and listens again after the connection dropped', async () => {
    expect(await cache.get(campaignId)).toBe('RUNNING');
    await adminQuery(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = '${t.db.name}' AND application_name LIKE '%-listen'`,
    );
    await eventually(
      () => Promise.resolve(notifications.isListening),
      (l) => !l,
      { what: 'the connection loss to be noticed' },
    );
    // a change while nobody listens: it must still be seen
    await setStatus('CANCELLED');
    expect(await cache.get(campaignId)).toBe('CANCELLED');

    await eventually(() => Promise.resolve(notifications.isListening), Boolean, {
      what: 'listening again',
      timeoutMs: 10_000,
    });
    await setStatus('PAUSED');
    await eventually(
      () => cache.get(campaignId),
      (s) => s === 'PAUSED',
      { what: 'a change after reconnecting' },
    );
  });
});
