/*
 * Drives the operator console (public/console, at /console) in real headless Chromium against the started service and
 * its embedded CXone simulator: sign in with an admin key, create a campaign from a CSV, read its pre-flight, start
 * it, watch the chart and counts move, pause and resume, see replies and open a recipient's conversation and consent.
 * `campaign watch` (the CLI) follows the same campaign through the API meanwhile.
 *
 * Pacing: the account's contract rate is set to 2 messages a second and the campaign has 20 recipients, so it runs
 * for about ten seconds: long enough to pause and resume it while it sends.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Locator, Page } from 'playwright-core';
import { phones } from '@test/factories/campaigns';
import { createTestDatabase, TestDatabase } from '@test/helpers/database';
import {
  closeBrowser,
  DESKTOP_VIEWPORT,
  errorsOf,
  launchBrowser,
  newPage,
  PHONE_VIEWPORT,
  screenshot,
} from '@test/helpers/browser';
import { eventually } from '@test/helpers/eventually';
import { freePort } from '@test/helpers/free-port';
import { HttpClient } from '@test/helpers/http';
import { compiled, RunningProcess, spawnApp, spawnNode } from '@test/helpers/process';
import { deleteKeys, testRedis, testRedisPrefix } from '@test/helpers/redis';
import { TEST_REDIS_URL } from '@test/helpers/test-env';

const SMS = 'sms_threadline_dev';
const SLOW = 30_000;
const RATE = 2;
const RECIPIENTS = 20;

interface Channel {
  id: string;
  accountId: string;
}

describe('the operator console (/console) with the embedded CXone simulator', () => {
  let db: TestDatabase;
  let prefix: string;
  let env: Record<string, string>;
  let app: RunningProcess;
  let appUrl: string;
  let sim: HttpClient;
  let admin: HttpClient;
  let key: string;
  let sms: Channel;
  let browser: Browser;
  let page: Page;
  let campaignId: string | undefined;
  const customers = phones(RECIPIENTS);

  const byTestId = (id: string): Locator => page.locator(`[data-testid="${id}"]`);
  const campaign = (): string => {
    if (!campaignId) throw new Error('no campaign was created (see the test before)');
    return campaignId;
  };
  /** A number shown on the page (thousands separators and all). */
  const shown = async (id: string): Promise<number> => Number((await byTestId(id).innerText()).replace(/[^\d.]/g, ''));
  const waitForShown = (id: string, accept: (n: number) => boolean, what: string): Promise<number> =>
    eventually(() => shown(id), accept, { what, timeoutMs: SLOW });
  const chartPoints = async (): Promise<number> => Number(await byTestId('rate-chart').getAttribute('data-points'));

  /** The page as it is now, at 1280×800 and at 375 px wide. */
  const capture = async (name: string): Promise<void> => {
    await screenshot(page, `console-e2e-${name}-desktop`);
    await page.setViewportSize(PHONE_VIEWPORT);
    await screenshot(page, `console-e2e-${name}-phone`);
    await page.setViewportSize(DESKTOP_VIEWPORT);
  };

  /** Clicks an action button, checks what its confirm dialog says it will do, and confirms. */
  const confirmThrough = async (action: string, says: RegExp): Promise<void> => {
    await byTestId(action).click();
    await byTestId('confirm').waitFor();
    expect(await byTestId('confirm-text').innerText()).toMatch(says);
    await byTestId('confirm-yes').click();
    await byTestId('confirm').waitFor({ state: 'hidden' });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    const appPort = await freePort();
    const simPort = await freePort();
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'info',
      PORT: String(appPort),
      PUBLIC_URL: `http://127.0.0.1:${appPort}`,
      SIMULATOR_EMBEDDED: 'true',
      SIMULATOR_HOST: '127.0.0.1',
      SIMULATOR_PORT: String(simPort),
      SIMULATOR_MIDDLEWARE_URL: `http://127.0.0.1:${appPort}/integration/box`,
    };
    const started = await spawnApp(env);
    app = started.proc;
    appUrl = started.url;
    sim = new HttpClient(`http://127.0.0.1:${simPort}`);

    const created = spawnNode(
      compiled('src/cli/threadline.js'),
      ['api-key', 'create', '--name', 'console-e2e', '--scopes', 'admin'],
      env,
    );
    await created.exited;
    key = (JSON.parse(created.output()) as { key: string }).key;
    admin = new HttpClient(appUrl, { authorization: `Bearer ${key}` });

    const channel = await admin.post<Channel>('/api/v1/channels', {
      cxoneChannelId: SMS,
      kind: 'SMS',
      name: 'Alerts SMS',
    });
    expect(channel.status).toBe(201);
    sms = channel.body;
    expect((await admin.patch(`/api/v1/accounts/${sms.accountId}`, { rateLimitPerSecond: RATE })).status).toBe(200);
    // customer replies in the simulator are pushed to the app's CXone webhook
    const configured = await sim.patch('/sim/config', {
      webhookUrl: `${appUrl}/webhooks/cxone/default`,
      webhookAuth: 'hmac',
    });
    expect(configured.status).toBe(200);

    browser = await launchBrowser();
    page = await newPage(browser);
  }, 90_000);

  afterAll(async () => {
    await page?.close();
    await closeBrowser(browser);
    if (app) {
      app.kill('SIGKILL');
      await app.exited;
    }
    await db?.drop();
    const redis = testRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('serves its files from an allow-list, with a same-origin CSP and no key in them', async () => {
    const http = new HttpClient(appUrl);
    const html = await http.get('/console');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html.text).toContain('<script src="/console/console.js" defer>');
    for (const file of ['console.js', 'console.css', 'uPlot.iife.min.js', 'uPlot.min.css']) {
      const res = await http.get(`/console/${file}`);
      expect([file, res.status, res.headers.get('x-content-type-options')]).toEqual([file, 200, 'nosniff']);
      expect([file, res.text.includes(key)]).toEqual([file, false]);
    }
    const missing = await http.get<{ message: string }>('/console/package.json');
    expect([missing.status, missing.body.message]).toEqual([404, 'no file package.json in the console']);
    // names an object has without listing them are not files either (the widget demo serves its files the same way)
    const inherited = await Promise.all(
      ['/console/constructor', '/console/__proto__', '/widget/demo/constructor', '/widget/demo/toString'].map(
        async (path) => [path, (await http.get(path)).status],
      ),
    );
    expect(inherited).toEqual([
      ['/console/constructor', 404],
      ['/console/__proto__', 404],
      ['/widget/demo/constructor', 404],
      ['/widget/demo/toString', 404],
    ]);
  });

  it('refuses a wrong key with the API’s message, then signs in with the right one (keyboard only)', async () => {
    await page.goto(`${appUrl}/console`);
    await page.locator('[data-testid="api-key"]:focus').waitFor();
    await capture('01-sign-in');

    await page.keyboard.type('tl_not-a-real-key');
    await page.keyboard.press('Enter');
    await byTestId('error').waitFor();
    const refused = await admin
      .withHeaders({ authorization: 'Bearer tl_not-a-real-key' })
      .get<{ message: string }>('/api/v1/campaigns?limit=1');
    expect(await byTestId('error-text').innerText()).toBe(refused.body.message);
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);

    await byTestId('api-key').fill(key);
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'Campaigns' }).waitFor();
    await page.locator('[data-testid="campaign-rows"] .empty').waitFor();
    // the key lives in this tab's session storage, nowhere else
    expect(await page.evaluate<number[]>('[sessionStorage.length, localStorage.length]')).toEqual([1, 0]);
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    await capture('02-campaigns-empty');
  }, 60_000);

  it('creates a draft from a CSV, shows the pre-flight numbers, and starts it', async () => {
    await page.locator('a', { hasText: 'New campaign' }).first().click();
    await page.locator('h1', { hasText: 'New campaign' }).waitFor();
    await byTestId('nc-name').fill('Storm: LHR cancellations');
    await byTestId('nc-channel').selectOption(sms.id);
    await byTestId('nc-text').fill('Your flight BA123 is cancelled. Reply HELP to rebook.');
    // 20 customers, one of them twice, and a row that is no phone number
    const csv = [
      'to,name',
      ...customers.map((to, i) => `${to},Customer ${i + 1}`),
      `${customers[0]},Again`,
      'not-a-phone,Nobody',
    ]
      .join('\n')
      .concat('\n');
    await byTestId('nc-file').setInputFiles({ name: 'recipients.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await byTestId('nc-submit').click();

    await byTestId('preflight').waitFor({ timeout: SLOW });
    expect({
      wouldSend: await shown('preflight-would-send'),
      received: await shown('preflight-received'),
      duplicates: await shown('preflight-duplicates'),
      invalid: await shown('preflight-invalid'),
      optedOut: await shown('preflight-opted-out'),
      deferred: await shown('preflight-deferred'),
    }).toEqual({
      wouldSend: RECIPIENTS,
      received: RECIPIENTS + 1,
      duplicates: 0,
      invalid: 1,
      optedOut: 0,
      deferred: 0,
    });
    expect(await byTestId('preflight-invalid-rows').innerText()).toMatch(/^Row 22: to: /);
    // the intake collapsed the repeat already (the pre-flight sees the stored recipients and the refused row)
    expect(await byTestId('nc-intake').innerText()).toMatch(/22 rows read, 20 accepted, 1 refused/);
    expect(await byTestId('preflight-estimate').innerText()).toContain(`at ${RATE} messages a second`);
    const draftLink = await byTestId('nc-intake').locator('a').getAttribute('href');
    campaignId = /#\/campaigns\/([0-9a-f-]{36})/.exec(draftLink ?? '')?.[1];
    expect((await admin.get<{ status: string }>(`/api/v1/campaigns/${campaign()}`)).body.status).toBe('DRAFT');
    await capture('03-new-campaign-preflight');

    await byTestId('nc-start').click();
    expect(await byTestId('confirm-text').innerText()).toContain(`Sends the alert to ${RECIPIENTS} recipients`);
    await capture('04-confirm-start');
    await byTestId('confirm-yes').click();
    await page.waitForURL(`**/console#/campaigns/${campaign()}`);
    await page.locator('[data-testid="status"]', { hasText: 'running' }).first().waitFor({ timeout: SLOW });
  }, 60_000);

  it('shows the chart and the counts moving, pauses (nothing more is sent) and resumes; the CLI watches it end', async () => {
    const watch = spawnNode(compiled('src/cli/threadline.js'), ['campaign', 'watch', campaign(), '--url', appUrl], {
      THREADLINE_API_KEY: key,
    });
    expect(await shown('rate-limit')).toBe(RATE);
    await waitForShown('count-sent', (n) => n >= 3, 'three sent');
    const points = await chartPoints();
    await eventually(chartPoints, (n) => n >= points + 2, { what: 'the chart getting new points', timeoutMs: SLOW });
    expect(await page.locator('[data-testid="rate-chart"] canvas').count()).toBe(1);
    await waitForShown('send-rate', (n) => n > 0, 'a send rate');
    await capture('05-campaign-running');

    // by keyboard: the dialog opens on its safe choice, Escape changes nothing and gives focus back
    await byTestId('action-pause').focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="confirm-no"]:focus').waitFor();
    expect(await byTestId('confirm-text').innerText()).toMatch(
      /recipients? not sent yet waits?; messages already on their way to CXone finish/,
    );
    await page.keyboard.press('Escape');
    await byTestId('confirm').waitFor({ state: 'hidden' });
    await page.locator('[data-testid="action-pause"]:focus').waitFor();
    const sentBefore = await shown('count-sent');
    await waitForShown('count-sent', (n) => n > sentBefore, 'sending on after Escape'); // still running
    await page.locator('[data-testid="action-pause"]:focus').waitFor(); // the live numbers left the focus alone
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="confirm-no"]:focus').waitFor();
    await page.keyboard.press('Tab');
    await page.locator('[data-testid="confirm-yes"]:focus').waitFor();
    await page.keyboard.press('Enter');
    await byTestId('confirm').waitFor({ state: 'hidden' });
    await page.locator('.page-head__status [data-testid="status"]', { hasText: 'paused' }).waitFor({ timeout: SLOW });
    // what was on its way finishes; then the sent count stands still while paused (three more live updates)
    await waitForShown('status-count-sending', (n) => n === 0, 'nothing sending');
    await waitForShown('status-count-queued', (n) => n === 0, 'nothing queued');
    const sentWhenPaused = await shown('count-sent');
    expect(sentWhenPaused).toBeLessThan(RECIPIENTS);
    const pausedAt = await chartPoints();
    await eventually(chartPoints, (n) => n >= pausedAt + 3, { what: 'three updates while paused', timeoutMs: SLOW });
    expect(await shown('count-sent')).toBe(sentWhenPaused);
    expect(await byTestId('action-resume').isVisible()).toBe(true);
    await capture('06-campaign-paused');

    await confirmThrough(
      'action-resume',
      new RegExp(
        `Sends to the ${RECIPIENTS - sentWhenPaused} recipients? still waiting, at up to ${RATE} messages a second`,
      ),
    );
    await waitForShown('count-sent', (n) => n > sentWhenPaused, 'sends after resuming');
    await page
      .locator('.page-head__status [data-testid="status"]', { hasText: 'completed' })
      .waitFor({ timeout: SLOW });
    expect(await shown('count-sent')).toBe(RECIPIENTS);
    expect(await shown('count-remaining')).toBe(0);

    const exit = await watch.exited;
    const output = watch.output();
    expect([exit.code, output]).toEqual([0, expect.stringContaining(`${RECIPIENTS}/${RECIPIENTS} sent`)]);
    expect(output).toMatch(/PAUSED/); // it saw the pause go by
    expect(output).toContain(`Storm: LHR cancellations: COMPLETED, ${RECIPIENTS} of ${RECIPIENTS} sent, 0 failed`);
    await capture('07-campaign-completed');
  }, 90_000);

  it('counts replies as they come, opens the replying customer’s thread and shows an opted-out customer’s consent', async () => {
    const [ana, bo] = customers;
    expect(
      (await sim.post('/sim/customer/reply', { channelId: SMS, from: ana, text: 'HELP me rebook please' })).status,
    ).toBe(200);
    expect((await sim.post('/sim/customer/reply', { channelId: SMS, from: bo, text: 'STOP' })).status).toBe(200);
    await waitForShown('count-replied', (n) => n === 2, 'two replies counted');
    await waitForShown('count-opted-out', (n) => n === 1, 'one opt-out counted');
    expect(await byTestId('reply-rate').innerText()).toBe('10 %');
    await page.locator(`[data-testid="reply"][data-address="${ana}"]`).waitFor();
    await capture('08-campaign-replies');

    await page.locator(`[data-testid="reply"][data-address="${ana}"] a`).click();
    await page.locator('h1', { hasText: `Conversation with Customer 1 (${ana})` }).waitFor();
    const messages = await byTestId('thread-message').all();
    expect(
      await Promise.all(
        messages.map(async (m) => [await m.getAttribute('data-author'), await m.locator('.msg__text').innerText()]),
      ),
    ).toEqual([
      ['SYSTEM', 'Your flight BA123 is cancelled. Reply HELP to rebook.'],
      ['CUSTOMER', 'HELP me rebook please'],
    ]);
    expect(await byTestId('thread-facts').innerText()).toMatch(/CXone contact \(case\)\s+\S*\d/);
    await page.locator('[data-testid="consent"][data-opted-out="false"]').waitFor();
    await capture('09-thread');

    // Bo's conversation from the recipients table, filtered to those sent
    await page.goBack();
    await page.locator('.page-head__status [data-testid="status"]', { hasText: 'completed' }).waitFor();
    // nobody failed: filtering by a failure reason or a CXone error shows no one, and clearing it everyone again
    await byTestId('recipient-failure-filter').selectOption('REJECTED');
    await page.locator('[data-testid="recipient-rows"] .empty').waitFor();
    await byTestId('recipient-failure-filter').selectOption('');
    await byTestId('recipient-error-filter').fill('404');
    await byTestId('recipient-error-filter').press('Enter');
    await page.locator('[data-testid="recipient-rows"] .empty').waitFor();
    await byTestId('recipient-error-filter').fill('');
    await byTestId('recipient-error-filter').press('Enter');
    await byTestId('recipient-status-filter').selectOption('SENT');
    await page.locator(`[data-testid="recipient-row"][data-address="${bo}"] [data-testid="open-thread"]`).click();
    await page.locator('h1', { hasText: bo }).waitFor();
    await page.locator('[data-testid="consent"][data-opted-out="true"]').waitFor();
    expect(await byTestId('consent').innerText()).toMatch(/^Opted out since/);
    expect(await byTestId('consent-event').allInnerTexts()).toEqual([expect.stringMatching(/^Opted out · keyword · /)]);
    await capture('10-thread-opted-out');

    // every conversation, newest first; the answered alerts are REPLIED
    await page.locator('nav a', { hasText: 'Conversations' }).click();
    await page.locator('[data-testid="view"][data-loaded="#/conversations"]').waitFor();
    expect(await byTestId('thread-row').count()).toBe(RECIPIENTS);
    await byTestId('thread-status-filter').selectOption('REPLIED');
    await page.locator('[data-testid="view"][data-loaded="#/conversations?status=REPLIED"]').waitFor();
    const open = (await byTestId('thread-row').allInnerTexts()).map((t) => t.split(/[\t\n]/)[0].trim());
    expect(open.length).toBeLessThan(RECIPIENTS);
    expect(open).toContain(`Customer 1 (${ana})`);
    await capture('10b-conversations');
  }, 60_000);

  it('downloads the refused rows with the key, and shows API errors as the API’s message', async () => {
    await page.goto(`${appUrl}/console#/campaigns/${campaign()}`);
    await page.locator('.page-head__status [data-testid="status"]').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId('download-rejected').click()]);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv).toContain('not-a-phone');

    const unknown = '7d0e8f4a-6b1c-4e2d-9a3f-5c8b7e6d4a21';
    const answer = await admin.get<{ message: string }>(`/api/v1/campaigns/${unknown}`);
    expect(answer.status).toBe(404);
    await page.goto(`${appUrl}/console#/campaigns/${unknown}`);
    await byTestId('page-error').waitFor();
    expect(await byTestId('error-text').innerText()).toBe(answer.body.message);
    await capture('11-api-error');

    // the list, with the finished campaign's numbers
    await page.goto(`${appUrl}/console#/campaigns`);
    const row = page.locator(`[data-testid="campaign-row"][data-id="${campaign()}"]`);
    await row.waitFor();
    expect(await row.locator('td[data-label="Sent"]').innerText()).toBe(String(RECIPIENTS));
    expect(await row.locator('td[data-label="Replied"]').innerText()).toBe('2');
    expect(await row.locator('td[data-label="Opted out"]').innerText()).toBe('1');
    await capture('12-campaigns');

    // nothing the page did broke its CSP or threw (failed API calls are logged by the browser and are expected here)
    expect(errorsOf(page).filter((e) => e.startsWith('uncaught') || /Content Security Policy/i.test(e))).toEqual([]);
  }, 60_000);

  it('builds a WhatsApp campaign from a registered template, asking for its parameters', async () => {
    const whatsapp = await admin.post<Channel>('/api/v1/channels', {
      cxoneChannelId: 'whatsapp_threadline_dev',
      kind: 'WHATSAPP',
      name: 'Alerts WhatsApp',
    });
    expect(whatsapp.status).toBe(201);
    const template = await admin.post('/api/v1/templates', {
      channelId: whatsapp.body.id,
      name: 'flight_cancellation',
      language: 'en_US',
      parameters: ['flight', 'day'],
    });
    expect(template.status).toBe(201);

    await page.goto(`${appUrl}/console#/campaigns/new`);
    await byTestId('nc-name').fill('WhatsApp: rebooking');
    await byTestId('nc-channel').selectOption(whatsapp.body.id);
    await byTestId('nc-kind-template').check();
    await page.locator('[data-testid="nc-template"] option', { hasText: 'flight_cancellation (en_US)' }).waitFor({
      state: 'attached',
    });
    // one field per parameter, labelled; the CSV gives the day per recipient
    await page.getByLabel('Parameter flight').fill('BA123');
    expect(await page.getByLabel('Parameter day').count()).toBe(1);
    const csv = `to,param.day\n${customers[10]},Monday\n${customers[11]},\n`;
    await byTestId('nc-file').setInputFiles({ name: 'wa.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await byTestId('nc-submit').click();
    await byTestId('preflight').waitFor({ timeout: SLOW });
    // the second row lacks the day: refused at intake, named in the pre-flight
    expect([await shown('preflight-would-send'), await shown('preflight-invalid')]).toEqual([1, 1]);
    expect(await byTestId('preflight-invalid-rows').innerText()).toMatch(/^Row 2: .*\bday\b/);
    const draftLink = await byTestId('nc-intake').locator('a').getAttribute('href');
    const draftId = /#\/campaigns\/([0-9a-f-]{36})/.exec(draftLink ?? '')?.[1];
    const stored = await admin.get<{ content: unknown }>(`/api/v1/campaigns/${draftId}`);
    expect(stored.body.content).toEqual({
      type: 'TEMPLATE',
      template: { name: 'flight_cancellation', language: 'en_US', parameters: { flight: 'BA123' } },
    });
    await capture('12b-new-template-campaign');
  }, 60_000);

  it('can do only what the key’s scopes allow: a read-only key sees a draft and is refused its cancel', async () => {
    const draft = await admin.post<{ id: string }>('/api/v1/campaigns', {
      name: 'Draft for later',
      channelId: sms.id,
      content: { type: 'TEXT', text: 'Not yet' },
      recipients: [{ to: customers[5] }],
    });
    expect(draft.status).toBe(202);
    const readOnly = await admin.post<{ key: string }>('/api/v1/api-keys', {
      name: 'console-read',
      scopes: ['campaigns:read', 'channels:read'],
    });
    expect(readOnly.status).toBe(201);

    await byTestId('sign-out').click();
    await byTestId('api-key').waitFor();
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    await byTestId('api-key').fill(readOnly.body.key);
    await byTestId('sign-in').click();
    await page.locator('h1', { hasText: 'Campaigns' }).waitFor();
    await page.goto(`${appUrl}/console#/campaigns/${draft.body.id}`);
    await page.locator('.page-head__status [data-testid="status"]', { hasText: 'draft' }).waitFor();
    await confirmThrough(
      'action-cancel',
      /Nothing more is sent: the 1 recipient not sent yet becomes CANCELLED\. Messages already sent stay sent/,
    );
    await byTestId('error').waitFor();
    const refused = await new HttpClient(appUrl, { authorization: `Bearer ${readOnly.body.key}` }).post<{
      message: string;
    }>(`/api/v1/campaigns/${draft.body.id}/cancel`);
    expect([refused.status, await byTestId('error-text').innerText()]).toEqual([403, refused.body.message]);
    expect((await admin.get<{ status: string }>(`/api/v1/campaigns/${draft.body.id}`)).body.status).toBe('DRAFT');
    await capture('13-refused-by-scope');
  }, 60_000);
});
