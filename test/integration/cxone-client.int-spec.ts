import type { Redis } from 'ioredis';
import { join } from 'node:path';
import type { CxoneAccountSettings } from '@/config';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { maxInSlidingWindow } from '@/infra/rate-limit/window-stats';
import type { CxoneAccountRef, OutboundMessage } from '@/integrations/cxone/cxone.client';
import {
  CxoneAuthError,
  CxoneRateLimitedError,
  CxoneRejectedError,
  CxoneUnavailableError,
} from '@/integrations/cxone/cxone.errors';
import { CxoneHttp } from '@/integrations/cxone/cxone-http';
import { HttpCxoneClient } from '@/integrations/cxone/http-cxone.client';
import { CxoneTokenManager } from '@/integrations/cxone/token-manager';
import { eventually } from '@test/helpers/eventually';
import { compiled, ROOT, spawnNode } from '@test/helpers/process';
import { deleteKeys, testRedis, testRedisPrefix } from '@test/helpers/redis';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';
import { TEST_REDIS_URL } from '@test/helpers/test-env';

interface LoggedRequest {
  operation: string;
  status: number;
  at: number;
  idOnExternalPlatform?: string;
}

describe('the CXone client against the simulator', () => {
  let sim: TestSimulator;
  let redis: Redis;
  let prefix: string;
  let client: HttpCxoneClient;
  let tokens: CxoneTokenManager;
  let account: CxoneAccountRef;
  let n = 0;

  const settings = (overrides: Partial<CxoneAccountSettings> = {}): CxoneAccountSettings => ({
    name: 'sim',
    authMode: 'PASSWORD',
    issuerUrl: sim.url,
    apiBaseUrl: null,
    tokenUrl: null,
    dfoBaseTemplate: '{api_endpoint}/dfo/3.0',
    clientId: 'threadline-dev',
    clientSecret: 'threadline-dev-secret',
    accessKeyId: 'threadline-dev-access-key',
    accessKeySecret: 'threadline-dev-access-secret',
    rateLimitPerSecond: 40,
    ...overrides,
  });
  const newAccount = (overrides: Partial<CxoneAccountSettings> = {}): CxoneAccountRef => ({
    id: `acct-${++n}`,
    settings: settings(overrides),
  });
  const message = (i: number, overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
    content: { type: 'TEXT', text: `alert ${i}` },
    to: `+1202555${String(1000 + i)}`,
    threadExternalId: `t-${n}-${i}`,
    messageExternalId: `m-${n}-${i}`,
    customFields: { alert_type: 'flight_cancellation' },
    ...overrides,
  });
  const requests = async (operation: string): Promise<LoggedRequest[]> =>
    (await sim.control.get<LoggedRequest[]>(`/sim/requests?operation=${operation}`)).body;
  const makeClient = (timeoutMs = 5000): HttpCxoneClient => {
    const http = new CxoneHttp(timeoutMs, new MetricsService());
    tokens = new CxoneTokenManager(redis, prefix, http);
    return new HttpCxoneClient(http, tokens, { recipientsField: 'recipients', sendMessageId: true });
  };

  beforeAll(async () => {
    sim = await startSimulator();
    redis = testRedis();
    prefix = testRedisPrefix();
  });
  beforeEach(async () => {
    await sim.control.post('/sim/reset');
    client = makeClient();
    account = newAccount();
  });
  afterAll(async () => {
    await sim.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  describe('tokens', () => {
    it('discovers the token endpoint and the DFO base, and fetches one token for many calls', async () => {
      const sent = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => client.sendOutbound(account, 'sms_threadline_dev', message(i))),
      );

      expect(sent.filter((s) => !/^\d{16}$/.test(s.contactId ?? ''))).toEqual([]);
      expect(await requests('token')).toHaveLength(1);
      expect((await requests('discovery')).length).toBe(2);
      expect(await requests('outbound')).toHaveLength(5);
    });

    it('shares one token between processes: two processes starting together fetch it once', async () => {
      const script = join(ROOT, 'test', 'fixtures', 'cxone-client-process.cjs');
      compiled('src/integrations/cxone/token-manager.js');
      const procs = [0, 1].map(() => spawnNode(script, [TEST_REDIS_URL, `${prefix}x`, sim.url, '10'], {}));
      const used = await Promise.all(
        procs.map(async (p) => {
          const exit = await p.exited;
          if (exit.code !== 0) throw new Error(p.output());
          return JSON.parse(p.output()) as string[];
        }),
      );
      expect(new Set(used.flat()).size).toBe(1);
      expect(await requests('token')).toHaveLength(1);
    });

    it('drops a token CXone answers 401 to, fetches a new one and retries once', async () => {
      await client.sendOutbound(account, 'sms_threadline_dev', message(1));
      await sim.control.post('/sim/tokens/expire');

      await client.sendOutbound(account, 'sms_threadline_dev', message(2));

      expect(await requests('token')).toHaveLength(2);
      expect((await requests('outbound')).map((r) => r.status)).toEqual([200, 401, 200]);
    });

    it('refreshes a token close to expiry in the background while callers keep using the current one', async () => {
      const first = await tokens.session(account);
      const [key] = await redis.keys(`${prefix}:cxone:session:{${account.id}:*`);
      await redis.hset(key, 'refreshAtMs', String(Date.now() - 1));

      makeClient(); // a process that reads the session after its refresh time (this one reuses its copy for 5 s)
      const during = await tokens.session(account);
      expect(during.accessToken).toBe(first.accessToken);
      // the background refresh lands in Redis
      await eventually(
        () => redis.hget(key, 'accessToken'),
        (stored) => stored !== first.accessToken,
        { timeoutMs: 5000, what: 'the background refresh to store a new access token' },
      );
      expect((await tokens.session(account)).accessToken).not.toBe(first.accessToken);
      expect(await requests('token')).toHaveLength(2);
    });

    it('reuses the session it read without asking Redis again, until CXone refuses its token', async () => {
      const first = await tokens.session(account);
      const [key] = await redis.keys(`${prefix}:cxone:session:{${account.id}:*`);
      await redis.hset(key, 'accessToken', 'stored-by-another-process');

      expect((await tokens.session(account)).accessToken).toBe(first.accessToken);
      await tokens.invalidate(account, first.accessToken);
      expect((await tokens.session(account)).accessToken).toBe('stored-by-another-process');
    });

    it('supports the client-credentials grant and the legacy engager token endpoint', async () => {
      await client.sendOutbound(
        newAccount({ authMode: 'CLIENT_CREDENTIALS', accessKeyId: null, accessKeySecret: null }),
        'sms_threadline_dev',
        message(1),
      );
      await client.sendOutbound(
        newAccount({ issuerUrl: null, tokenUrl: `${sim.url}/engager/2.0/token`, apiBaseUrl: `${sim.url}/dfo/3.0` }),
        'sms_threadline_dev',
        message(2),
      );
      expect((await requests('token')).map((r) => r.status)).toEqual([200, 200]);
    });

    it('raises CxoneAuthError for wrong credentials', async () => {
      const wrongSecret = newAccount({ clientSecret: 'nope' });
      await expect(client.sendOutbound(wrongSecret, 'sms_threadline_dev', message(1))).rejects.toBeInstanceOf(
        CxoneAuthError,
      );
      const wrongKey = newAccount({ accessKeySecret: 'nope' });
      await expect(client.sendOutbound(wrongKey, 'sms_threadline_dev', message(1))).rejects.toThrow(/invalid_grant/);
    });
  });

  describe('errors', () => {
    it('raises CxoneRateLimitedError with the Retry-After delay, in seconds or as an HTTP date', async () => {
      await sim.control.post('/sim/faults', { kind: '429', count: 1, operation: 'outbound', retryAfterSeconds: 3 });
      const seconds = await client.sendOutbound(account, 'sms_threadline_dev', message(1)).catch((e: unknown) => e);
      expect(seconds).toBeInstanceOf(CxoneRateLimitedError);
      expect((seconds as CxoneRateLimitedError).retryAfterMs).toBe(3000);

      await sim.control.patch('/sim/config', { retryAfterFormat: 'http-date' });
      await sim.control.post('/sim/faults', { kind: '429', count: 1, operation: 'outbound', retryAfterSeconds: 3 });
      const date = (await client
        .sendOutbound(account, 'sms_threadline_dev', message(2))
        .catch((e: unknown) => e)) as CxoneRateLimitedError;
      expect(date).toBeInstanceOf(CxoneRateLimitedError);
      // an HTTP date has whole seconds: 3 s from now, give or take the rounding
      expect(date.retryAfterMs).toBeGreaterThan(2000);
      expect(date.retryAfterMs).toBeLessThanOrEqual(4000);
    });

    it('raises CxoneUnavailableError for 5xx, timeouts and lost answers, saying whether the request may have been applied', async () => {
      await sim.control.post('/sim/faults', { kind: '5xx', count: 1, operation: 'outbound', status: 503 });
      const server = (await client
        .sendOutbound(account, 'sms_threadline_dev', message(1))
        .catch((e: unknown) => e)) as CxoneUnavailableError;
      expect(server).toBeInstanceOf(CxoneUnavailableError);
      expect([server.kind, server.httpStatus, server.ambiguous]).toEqual(['server', 503, false]);

      const quick = makeClient(300);
      await sim.control.patch('/sim/config', { hangMs: 2000 });
      await sim.control.post('/sim/faults', { kind: 'timeout', count: 1, operation: 'outbound' });
      const timeout = (await quick
        .sendOutbound(account, 'sms_threadline_dev', message(2))
        .catch((e: unknown) => e)) as CxoneUnavailableError;
      expect(timeout).toBeInstanceOf(CxoneUnavailableError);
      expect([timeout.kind, timeout.ambiguous]).toEqual(['timeout', true]);

      await sim.control.post('/sim/faults', { kind: 'drop', count: 1, operation: 'outbound' });
      const lost = (await client
        .sendOutbound(account, 'sms_threadline_dev', message(3))
        .catch((e: unknown) => e)) as CxoneUnavailableError;
      expect(lost).toBeInstanceOf(CxoneUnavailableError);
      expect([lost.kind, lost.ambiguous]).toEqual(['connection', true]);
    });

    it('re-sending a lost answer with the same ids creates no second message', async () => {
      await sim.control.post('/sim/faults', { kind: 'drop', count: 1, operation: 'outbound' });
      await expect(client.sendOutbound(account, 'sms_threadline_dev', message(7))).rejects.toBeInstanceOf(
        CxoneUnavailableError,
      );

      const retried = await client.sendOutbound(account, 'sms_threadline_dev', message(7));

      const stored = (
        await sim.control.get<Array<{ idOnExternalPlatform: string }>>(
          `/sim/messages?threadIdOnExternalPlatform=${message(7).threadExternalId}`,
        )
      ).body;
      expect(stored).toHaveLength(1);
      expect(retried.threadExternalId).toBe(message(7).threadExternalId);
    });

    it('raises CxoneRejectedError with DFO error list for other 4xx', async () => {
      const unknownChannel = (await client
        .sendOutbound(account, 'no_such_channel', message(1))
        .catch((e: unknown) => e)) as CxoneRejectedError;
      expect(unknownChannel).toBeInstanceOf(CxoneRejectedError);
      expect(unknownChannel.httpStatus).toBe(404);
      expect(unknownChannel.errors.length).toBeGreaterThan(0);
    });

    it('is refused WhatsApp free text outside the 24-hour window, but may send a template', async () => {
      const text = (await client
        .sendOutbound(account, 'whatsapp_threadline_dev', message(1))
        .catch((e: unknown) => e)) as CxoneRejectedError;
      expect(text).toBeInstanceOf(CxoneRejectedError);
      expect(text.httpStatus).toBe(400);
      expect(JSON.stringify(text.errors)).toMatch(/window/i);

      const template = await client.sendOutbound(
        account,
        'whatsapp_threadline_dev',
        message(2, {
          content: {
            type: 'TEMPLATE',
            template: { name: 'flight_cancellation', language: 'en_US', parameters: ['BA123', 'Monday'] },
          },
        }),
      );
      expect(template.messageId).toBeTruthy();
    });
  });

  it('covers the DFO calls a BYOC middleware and the proactive pipeline make', async () => {
    const thread = `byoc-thread-${n}`;
    const inbound = await client.createMessage(account, 'chat_threadline_dev', {
      messageExternalId: `byoc-msg-${n}`,
      threadExternalId: thread,
      content: { type: 'TEXT', payload: { text: 'Hello, I need help with my booking' } },
      author: { externalId: 'widget-user-1', firstName: 'Ana' },
      createdAt: new Date(),
    });
    expect(inbound.contactId).toMatch(/^\d{16}$/);
    const contactId = inbound.contactId!;

    await client.setContactCustomFields(account, contactId, { booking_ref: 'X7Q2LM' });
    expect((await client.getContact(account, contactId)).customFields).toEqual(
      expect.arrayContaining([expect.objectContaining({ ident: 'booking_ref', value: 'X7Q2LM' })]),
    );
    expect((await client.listContactCustomFieldDefinitions(account)).map((d) => d.ident)).toContain('alert_type');

    await client.setMessageDeliveryStatus(account, 'chat_threadline_dev', `byoc-msg-${n}`, 'seen');
    await client.sendTypingIndicator(account, 'chat_threadline_dev', thread, true);

    await client.setThreadLock(account, 'chat_threadline_dev', thread, false);
    const locked = await client
      .createMessage(account, 'chat_threadline_dev', {
        messageExternalId: `byoc-msg-${n}-2`,
        threadExternalId: thread,
        content: { type: 'TEXT', payload: { text: 'still there?' } },
        author: { externalId: 'widget-user-1' },
        createdAt: new Date(),
      })
      .catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(CxoneRejectedError);
    await client.setThreadLock(account, 'chat_threadline_dev', thread, true);

    await client.setContactStatus(account, contactId, 'resolved');
    expect((await client.getContact(account, contactId)).status).toBe('resolved');

    const templates = await client.listTemplates(account, 'whatsapp_threadline_dev');
    expect(templates.map((t) => t.template)).toEqual(
      expect.arrayContaining(['flight_cancellation', 'appointment_reminder']),
    );

    const issued = (
      await sim.control.post<{ token: string; brandId: number; userId: number }>('/sim/one-time-tokens', {
        purpose: 'channel-integration',
      })
    ).body;
    const verified = await client.verifyOneTimeToken(account, {
      brandId: issued.brandId,
      userId: issued.userId,
      token: issued.token,
      purpose: 'channel-integration',
    });
    expect(verified.accessToken).toBeTruthy();
    await client.createChannel(
      account,
      {
        id: `chat_${n}`,
        idOnExternalPlatform: `chat_${n}`,
        channelIntegrationId: 'integration-1',
        realExternalPlatformId: 'custom',
        name: 'Widget',
        isPrivate: true,
        hasTreeStructure: false,
      },
      verified.accessToken,
    );
    expect((await client.listChannels(account, verified.accessToken)).map((c) => c.id)).toContain(`chat_${n}`);
    await client.deleteChannel(account, `chat_${n}`, verified.accessToken);
    expect((await client.listChannels(account)).map((c) => c.id)).not.toContain(`chat_${n}`);
  });

  it('gets 429s with Retry-After for a burst of 200 unthrottled calls, and CXone never accepts more than 40 in a sliding second', async () => {
    await client.sendOutbound(account, 'sms_threadline_dev', message(0)); // token first
    await sim.control.post('/sim/reset');
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.sendOutbound(account, 'sms_threadline_dev', message(i + 1)).then(
          () => 'ok',
          (e: unknown) => e,
        ),
      ),
    );
    const limited = results.filter((r): r is CxoneRateLimitedError => r instanceof CxoneRateLimitedError);
    expect(limited.length).toBeGreaterThan(0);
    expect(
      limited
        .filter((e) => !((e.retryAfterMs ?? 0) >= 1000))
        .map((e) => ({ error: e.message, retryAfterMs: e.retryAfterMs })),
    ).toEqual([]);
    expect(results.filter((r) => r === 'ok').length + limited.length).toBe(200);

    const stats = (
      await sim.control.get<{ outbound: { worstSlidingSecond: number; rateLimited: number } }>('/sim/stats')
    ).body;
    expect(stats.outbound.worstSlidingSecond).toBeLessThanOrEqual(40);
    expect(stats.outbound.rateLimited).toBe(limited.length);
    const accepted = (await requests('outbound')).filter((r) => r.status === 200).map((r) => r.at);
    expect(maxInSlidingWindow(accepted)).toBeLessThanOrEqual(40);
  });
});
