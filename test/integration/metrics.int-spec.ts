import { startTestApp, TestApp } from '@test/helpers/app';
import { freePort } from '@test/helpers/free-port';
import { HttpClient } from '@test/helpers/http';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
}

describe('/metrics on the main port (METRICS_PORT unset)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves Prometheus text', async () => {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toContain('threadline_process_cpu_user_seconds_total');
  });
});

describe('/metrics on the main port with METRICS_TOKEN', () => {
  const token = 'metrics-token-for-the-test';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: token });
  });
  afterAll(() => t.close());

  it('requires the token as a bearer token', async () => {
    const missing = await t.http.get<ErrorBody>('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ statusCode: 401, message: 'a valid METRICS_TOKEN bearer token is required' });
    const ok = await t.http.get('/metrics', { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('threadline_process_cpu_user_seconds_total');
  });
});

describe('/metrics on its own port (METRICS_PORT set)', () => {
  let t: TestApp;
  let metricsPort: number;
  let metrics: HttpClient;
  beforeAll(async () => {
    metricsPort = await freePort();
    t = await startTestApp({ METRICS_PORT: String(metricsPort) });
    metrics = new HttpClient(`http://127.0.0.1:${metricsPort}`);
  });
  afterAll(() => t.close());

  it('is not served on the main port: 404 JSON there', async () => {
    const res = await t.http.get<ErrorBody>('/metrics');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('is served as Prometheus text on 127.0.0.1:METRICS_PORT, including the main port’s traffic', async () => {
    await t.http.get('/health/live');
    const res = await metrics.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('threadline_process_cpu_user_seconds_total');
    expect(res.text).toMatch(/threadline_http_request_duration_seconds_count\{[^}]*route="\/health\/live"/);
  });

  it('answers anything else on the metrics port with 404 in the one error shape', async () => {
    const res = await metrics.get<ErrorBody>('/api/v1/api-keys');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'GET /api/v1/api-keys: this port serves only GET /metrics',
      requestId: res.headers.get('x-request-id'),
    });
  });
});

describe('/metrics on its own port with METRICS_TOKEN', () => {
  const token = 'metrics-token-for-the-test';
  let t: TestApp;
  let metricsPort: number;
  let metrics: HttpClient;
  beforeAll(async () => {
    metricsPort = await freePort();
    t = await startTestApp({ METRICS_PORT: String(metricsPort), METRICS_TOKEN: token });
    metrics = new HttpClient(`http://127.0.0.1:${metricsPort}`);
  });
  afterAll(() => t.close());

  it('requires the token there', async () => {
    const missing = await metrics.get<ErrorBody>('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ statusCode: 401, message: 'a valid METRICS_TOKEN bearer token is required' });
    expect((await metrics.get('/metrics', { authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);

    const ok = await metrics.get('/metrics', { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('threadline_process_cpu_user_seconds_total');
  });
});

describe('the metrics port at shutdown', () => {
  it('stops listening when the app closes', async () => {
    const metricsPort = await freePort();
    const t = await startTestApp({ METRICS_PORT: String(metricsPort) });
    let closed = false;
    try {
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
      await t.close();
      closed = true;
      await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow('fetch failed');
    } finally {
      if (!closed) await t.close();
    }
  });
});
