/*
 * Drives the reference widget (public/widget) in real headless Chromium against the started service and its embedded
 * simulator: the page, the widget API, the BYOC endpoints the simulator calls, agent-ended detection and idle timers.
 *
 * What it relies on (see the widget's README for the contract):
 * - agent ends are noticed by polling CXone's contact status every BYOC_STATUS_POLL_MS (5 s here, the minimum);
 * - the idle prompt comes idlePromptSeconds after the customer's last message, the end idleEndSeconds after that;
 * - an agent message names the agent by first name (agentName), as the simulator's `agent` sends it.
 */
import type { Browser, Locator, Page } from 'playwright-core';
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

/** The simulator's seed BYOC chat channel (the control API takes CXone channel ids). */
const CXONE_CHANNEL = 'chat_threadline_dev';
const SLOW = 30_000; // relaying through the simulator, status polling and idle timers take seconds

interface SimMessage {
  threadIdOnExternalPlatform: string;
  contactNumber: string;
  direction: 'inbound' | 'outbound';
  messageContent: { type: string; payload?: { text?: string } };
}

interface AgentCallResult {
  status: number | null;
  body: unknown;
}

describe('the reference chat widget (/widget/demo) with the embedded CXone simulator', () => {
  let db: TestDatabase;
  let prefix: string;
  let app: RunningProcess;
  let appUrl: string;
  let sim: HttpClient;
  let admin: HttpClient;
  let channelId: string;
  let browser: Browser;
  let page: Page;
  /** The CXone thread and contact the customer's first message was relayed with (found by the second test). */
  let relayedWith: { threadIdOnExternalPlatform: string; contactNumber: string } | undefined;
  const thread = (): { threadIdOnExternalPlatform: string; contactNumber: string } => {
    if (!relayedWith) throw new Error('the customer message never reached the simulator (see the test before)');
    return relayedWith;
  };

  const byTestId = (id: string): Locator => page.locator(`[data-testid="${id}"]`);
  const message = (author: 'customer' | 'agent' | 'system', text: string, state?: string): Locator =>
    page.locator(`[data-testid="message"][data-author="${author}"]${state ? `[data-state="${state}"]` : ''}`, {
      hasText: text,
    });

  /** The page as it is now, at 1280×800 and at 375 px wide. */
  const capture = async (name: string): Promise<void> => {
    await screenshot(page, `widget-e2e-${name}-desktop`);
    await page.setViewportSize(PHONE_VIEWPORT);
    await screenshot(page, `widget-e2e-${name}-phone`);
    await page.setViewportSize(DESKTOP_VIEWPORT);
  };

  const send = async (text: string): Promise<void> => {
    await byTestId('message-input').fill(text);
    await byTestId('message-input').press('Enter');
    await message('customer', text).waitFor();
  };

  /** The customer message with this text as the simulated CXone received it. */
  const atSimulator = (text: string): Promise<SimMessage> =>
    eventually(
      async () =>
        (await sim.get<SimMessage[]>(`/sim/messages?channelId=${CXONE_CHANNEL}&direction=inbound`)).body.find(
          (m) => m.messageContent.payload?.text === text,
        ),
      (m): m is SimMessage => m !== undefined,
      { what: `"${text}" at the simulator`, timeoutMs: SLOW },
    ) as Promise<SimMessage>;

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    // The simulator must know the app's port before the app starts (it calls the BYOC endpoints there).
    const appPort = await freePort();
    const simPort = await freePort();
    const env = {
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
      BYOC_STATUS_POLL_MS: '5000',
    };
    const started = await spawnApp(env);
    app = started.proc;
    appUrl = started.url;
    sim = new HttpClient(`http://127.0.0.1:${simPort}`);
    expect((await sim.get('/health')).status).toBe(200); // the embedded simulator listens on SIMULATOR_PORT

    const created = spawnNode(
      compiled('src/cli/threadline.js'),
      ['api-key', 'create', '--name', 'widget-e2e', '--scopes', 'admin'],
      env,
    );
    await created.exited;
    admin = new HttpClient(appUrl, {
      authorization: `Bearer ${(JSON.parse(created.output()) as { key: string }).key}`,
    });
    // With the simulator as tenant its BYOC chat channel is registered from the first start (what the page uses too).
    const demo = await new HttpClient(appUrl).get<{ channelId: string }>('/widget/v1/demo-channel');
    expect(demo.status).toBe(200);
    channelId = demo.body.channelId;

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

  it('serves the page and its assets under /widget/demo', async () => {
    const http = new HttpClient(appUrl);
    const html = await http.get('/widget/demo');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('<base href="/widget/demo/"');
    expect((await http.get('/widget/demo/widget.js')).status).toBe(200);
    expect((await http.get('/widget/demo/widget.css')).status).toBe(200);
  });

  it('opens an empty conversation, sends with Enter and shows the message delivered once CXone has it', async () => {
    await page.goto(`${appUrl}/widget/demo?channel=${channelId}`);
    await page.locator('[data-testid="status"][data-state="connected"]').waitFor();
    await byTestId('empty-state').waitFor();
    await page.locator('[data-testid="message-input"]:focus').waitFor();
    await capture('01-empty');

    await page.keyboard.type('Hello, my flight was cancelled');
    await page.keyboard.press('Enter');
    await message('customer', 'Hello, my flight was cancelled').waitFor();
    await capture('02-sending');
    expect(await byTestId('message-input').inputValue()).toBe('');
    await page.locator('[data-testid="message-input"]:focus').waitFor(); // focus stays in the input

    await message('customer', 'Hello, my flight was cancelled', 'delivered').waitFor({ timeout: SLOW });
    expect(await page.locator('[data-testid="message"]').count()).toBe(1); // optimistic copy, 202 and SSE merged
    relayedWith = await atSimulator('Hello, my flight was cancelled');
    await capture('03-delivered');
  }, 60_000);

  it('shows the agent typing, then the agent reply, and the same history after a reload', async () => {
    const typing = await sim.post<AgentCallResult>('/sim/agent/typing', {
      channelId: CXONE_CHANNEL,
      threadIdOnExternalPlatform: thread().threadIdOnExternalPlatform,
      typing: true,
      agent: { firstName: 'Ana', surname: 'Lopez' },
    });
    expect(typing.status).toBe(200);
    expect(typing.body.status).toBeLessThan(300); // what the BYOC endpoint answered the simulator
    await byTestId('typing-indicator').waitFor({ timeout: SLOW });
    expect(await byTestId('typing-indicator').textContent()).toContain('typing');
    await capture('04-agent-typing');

    const reply = await sim.post<AgentCallResult>('/sim/agent/reply', {
      channelId: CXONE_CHANNEL,
      threadIdOnExternalPlatform: thread().threadIdOnExternalPlatform,
      text: 'I am sorry to hear that. Let me rebook you.',
      agent: { firstName: 'Ana', surname: 'Lopez' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBeLessThan(300);
    await message('agent', 'I am sorry to hear that. Let me rebook you.').waitFor({ timeout: SLOW });
    expect(await message('agent', 'Let me rebook you').textContent()).toContain('Ana');
    await byTestId('typing-indicator').waitFor({ state: 'hidden' });
    await capture('05-agent-replied');

    await page.reload();
    await page.locator('[data-testid="status"][data-state="connected"]').waitFor();
    await message('agent', 'Let me rebook you').waitFor();
    expect(await page.locator('[data-testid="message"]').count()).toBe(2); // history and replayed events merged
  }, 60_000);

  it('shows the end when the agent closes the contact, with the input disabled, and starts anew', async () => {
    const closed = await sim.post(`/sim/contacts/${thread().contactNumber}/status`, { status: 'closed' });
    expect(closed.status).toBe(200);
    await byTestId('ended-banner').waitFor({ timeout: SLOW });
    expect(await byTestId('ended-banner').textContent()).toContain('The agent ended this conversation.');
    expect(await byTestId('message-input').isDisabled()).toBe(true);
    expect(await byTestId('send-button').isDisabled()).toBe(true);
    await page.locator('[data-testid="start-new"]:focus').waitFor(); // focus moved off the disabled input
    await capture('06-ended-by-agent');

    await page.keyboard.press('Enter'); // "Start a new conversation"
    await byTestId('ended-banner').waitFor({ state: 'hidden' });
    expect(await byTestId('message-input').isEnabled()).toBe(true);
    await page.locator('[data-testid="message-input"]:focus').waitFor();
    expect(await page.locator('[data-testid="message"]').count()).toBe(0);
    await capture('07-new-conversation');
  }, 60_000);

  it('asks "Are you still there?" with a countdown, keeps the conversation on "I\'m still here", then ends it idle', async () => {
    const patched = await admin.patch(`/api/v1/channels/${channelId}`, { idlePromptSeconds: 2, idleEndSeconds: 2 });
    expect(patched.status).toBe(200);

    await send('Can I get a morning flight?');
    await message('customer', 'Can I get a morning flight?', 'delivered').waitFor({ timeout: SLOW });
    await byTestId('idle-prompt').waitFor({ timeout: SLOW });
    expect(await byTestId('idle-prompt').textContent()).toContain('Are you still there?');
    expect(Number(await byTestId('idle-countdown').getAttribute('data-seconds'))).toBeLessThanOrEqual(2);
    await capture('08-idle-prompt');

    await byTestId('still-here').click();
    await message('customer', "I'm still here").waitFor();
    await byTestId('idle-prompt').waitFor({ state: 'hidden', timeout: SLOW });
    expect(await byTestId('message-input').isEnabled()).toBe(true);
    await capture('09-still-here');

    // nothing more from the customer: the prompt again, then the end
    await byTestId('idle-prompt').waitFor({ timeout: SLOW });
    await byTestId('ended-banner').waitFor({ timeout: SLOW });
    expect(await byTestId('ended-banner').textContent()).toContain(
      'This conversation ended because there was no activity.',
    );
    expect(await byTestId('message-input').isDisabled()).toBe(true);
    await capture('10-ended-idle');

    expect(errorsOf(page).filter((e) => e.startsWith('uncaught'))).toEqual([]);
  }, 90_000);
});
