import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@/bootstrap';
import { eventually } from '@test/helpers/eventually';
import { HttpClient, type HttpResponse } from '@test/helpers/http';
import { startTestApp, TestApp } from '@test/helpers/app';
import { startTcpProxy, type TcpProxy } from '@test/helpers/tcp-proxy';
import { TEST_REDIS_URL } from '@test/helpers/test-env';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
  requestId: string;
}

const LIMIT = 5;
const WRONG = { authorization: 'Bearer tl_wrong-key-00000000000000000000000000000000000' };

/** Sends `count` requests with a wrong key and returns their statuses (in order). */
async function fail(http: HttpClient, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await http.get('/api/v1/api-keys', { ...WRONG, ...headers })).status);
  return statuses;
}

function expectThrottled(res: HttpResponse<ErrorBody>, windowSeconds: number): void {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(res.body).toEqual({
    statusCode: 429,
    error: 'Too Many Requests',
    message: `too many failed authentication attempts from this address; retry in ${retryAfter} s`,
    details: { retryAfterSeconds: retryAfter },
    requestId: res.headers.get('x-request-id'),
  });
}

describe('throttling failed authentication per source address', () => {
  let t: TestApp;
  let replica: NestFastifyApplication;
  let replicaHttp: HttpClient;
  let admin: HttpClient;

  beforeAll(async () => {
    t = await startTestApp({
      AUTH_FAILURE_LIMIT: String(LIMIT),
      AUTH_FAILURE_WINDOW_SECONDS: '60',
      API_BOOTSTRAP_KEY: 'b'.repeat(40),
    });
    admin = await t.clientWithScopes('admin');
    // A second api replica: same database, same Redis prefix.
    replica = await createApp(t.config);
    await replica.listen({ port: 0, host: '127.0.0.1' });
    replicaHttp = new HttpClient(await replica.getUrl());
  });
  afterAll(async () => {
    await replica.close();
    await t.close();
  });

  it('answers 401 up to the limit, then 429 with Retry-After in the one error shape, on every replica', async () => {
    // The failures are split across two replicas: the count is shared through Redis.
    expect(await fail(t.http, 3)).toEqual([401, 401, 401]);
    expect(await fail(replicaHttp, LIMIT - 3)).toEqual(Array(LIMIT - 3).fill(401));

    expectThrottled(await t.http.get<ErrorBody>('/api/v1/api-keys', WRONG), 60);
    expectThrottled(await replicaHttp.get<ErrorBody>('/api/v1/api-keys', WRONG), 60);
    // No key at all is a failed authentication too; so is a wrong bootstrap key.
    expectThrottled(await t.http.get<ErrorBody>('/api/v1/campaigns'), 60);
    expectThrottled(await t.http.post<ErrorBody>('/api/v1/api-keys/bootstrap', {}, { 'x-bootstrap-key': 'guess' }), 60);
  });

  it('always serves a valid key, even from a throttled address', async () => {
    expect((await t.http.get('/api/v1/api-keys', WRONG)).status).toBe(429);
    const res = await admin.get<unknown[]>('/api/v1/api-keys');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect((await admin.withHeaders({}).get('/api/v1/campaigns')).status).toBe(200);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, so a caller cannot pick a fresh address', async () => {
    const res = await t.http.get<ErrorBody>('/api/v1/api-keys', { ...WRONG, 'x-forwarded-for': '198.51.100.77' });
    expect(res.status).toBe(429);
  });
});

describe('throttling behind a trusted proxy (TRUST_PROXY=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_FAILURE_LIMIT: String(LIMIT), TRUST_PROXY: 'true' });
  });
  afterAll(() => t.close());

  it('counts failures per client address from X-Forwarded-For', async () => {
    const first = { 'x-forwarded-for': '203.0.113.10' };
    const second = { 'x-forwarded-for': '203.0.113.11' };
    expect(await fail(t.http, LIMIT, first)).toEqual(Array(LIMIT).fill(401));
    expect((await t.http.get('/api/v1/api-keys', { ...WRONG, ...first })).status).toBe(429);
    expect(await fail(t.http, 1, second)).toEqual([401]);
  });
});

describe('the throttle window', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_FAILURE_LIMIT: '2', AUTH_FAILURE_WINDOW_SECONDS: '1' });
  });
  afterAll(() => t.close());

  it('answers 401 again once the window has passed', async () => {
    expect(await fail(t.http, 2)).toEqual([401, 401]);
    expectThrottled(await t.http.get<ErrorBody>('/api/v1/api-keys', WRONG), 1);
    const after = await eventually(
      () => t.http.get('/api/v1/api-keys', WRONG),
      (r) => r.status !== 429,
      { everyMs: 100, timeoutMs: 5000, what: 'the window to pass' },
    );
    expect(after.status).toBe(401);
  });
});

describe('AUTH_FAILURE_LIMIT=0', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_FAILURE_LIMIT: '0' });
  });
  afterAll(() => t.close());

  it('turns the throttle off', async () => {
    expect(await fail(t.http, 30)).toEqual(Array(30).fill(401));
  });
});

describe('when Redis is down', () => {
  let t: TestApp;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const redis = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    t = await startTestApp({
      APP_ROLE: 'api',
      AUTH_FAILURE_LIMIT: '2',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    });
  });
  afterAll(async () => {
    await proxy.restart(); // so the app can close its Redis connections
    await t.close();
    await proxy.stop();
  });

  it('still authenticates: wrong keys get 401 (never throttled), valid keys are served', async () => {
    const admin = await t.clientWithScopes('admin');
    await proxy.stop();

    expect(await fail(t.http, 4)).toEqual([401, 401, 401, 401]);
    expect((await admin.get('/api/v1/api-keys')).status).toBe(200);

    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toMatch(/^threadline_auth_failures_total\{outcome="unchecked"\} 4$/m);
  });
});
