import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from './app-config';
import { ConfigError, environmentVariableNames, validateEnvironment } from './env.validation';

describe('environment validation', () => {
  it('starts with defaults that point at PostgreSQL and Redis on localhost', () => {
    const config = AppConfig.load({});
    expect(config.app).toMatchObject({ role: 'all', runsApi: true, runsWorker: true, port: 3000 });
    expect(config.database.url).toBe('postgresql://postgres@127.0.0.1:5432/threadline');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
  });

  it('treats an empty value as unset', () => {
    expect(validateEnvironment({ PORT: '' }).PORT).toBe(3000);
  });

  it('converts numbers and booleans', () => {
    const env = validateEnvironment({ PORT: '8080', DOCS_ENABLED: 'false', TRUST_PROXY: '1' });
    expect(env).toMatchObject({ PORT: 8080, DOCS_ENABLED: false, TRUST_PROXY: true });
  });

  it('names every bad variable and what it was given', () => {
    let error: unknown;
    try {
      validateEnvironment({ PORT: 'eighty', APP_ROLE: 'both', REDIS_URL: 'localhost:6379' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT');
    expect(message).toContain('"eighty"');
    expect(message).toContain('APP_ROLE must be one of: api, worker, all (got "both")');
    expect(message).toContain('REDIS_URL must be a redis:// or rediss:// URL');
    expect((error as ConfigError).problems).toHaveLength(3);
  });

  it('refuses a METRICS_PORT equal to PORT', () => {
    expect(() => validateEnvironment({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(
      'METRICS_PORT must differ from PORT (both 8080)',
    );
    expect(validateEnvironment({ PORT: '8080', METRICS_PORT: '9464' })).toMatchObject({ METRICS_PORT: 9464 });
  });

  it('never prints a secret it rejects', () => {
    expect(() => validateEnvironment({ API_BOOTSTRAP_KEY: 'short-secret' })).toThrow(
      /API_BOOTSTRAP_KEY.*\(got "\*\*\*"\)/,
    );
  });

  it('bounds the heap growth at 100% unless told otherwise, and refuses a factor out of range', () => {
    expect(AppConfig.load({}).app.heapGrowingPercent).toBe(100);
    expect(AppConfig.load({ HEAP_GROWING_PERCENT: '0' }).app.heapGrowingPercent).toBe(0);
    expect(() => validateEnvironment({ HEAP_GROWING_PERCENT: '-1' })).toThrow(/HEAP_GROWING_PERCENT/);
    expect(() => validateEnvironment({ HEAP_GROWING_PERCENT: 'lots' })).toThrow(/HEAP_GROWING_PERCENT/);
    expect(() => validateEnvironment({ WORKER_HEAP_GROWING_PERCENT: '0' })).toThrow(
      'WORKER_HEAP_GROWING_PERCENT was renamed HEAP_GROWING_PERCENT (it now applies to every role); set HEAP_GROWING_PERCENT instead',
    );
  });

  it('derives the roles a process runs from APP_ROLE', () => {
    expect(AppConfig.load({ APP_ROLE: 'api' }).app).toMatchObject({ runsApi: true, runsWorker: false });
    expect(AppConfig.load({ APP_ROLE: 'worker' }).app).toMatchObject({ runsApi: false, runsWorker: true });
  });

  it('reconciles by default, and refuses a reconciliation floor above its cap', () => {
    expect(AppConfig.load({}).reconcile).toEqual({
      enabled: true,
      intervalMs: 1000,
      readsPerSecond: 12,
      minDelayMs: 10_000,
      maxDelayMs: 3_600_000,
    });
    expect(() => validateEnvironment({ RECONCILE_MIN_DELAY_MS: '20000', RECONCILE_MAX_DELAY_MS: '10000' })).toThrow(
      /RECONCILE_MIN_DELAY_MS \(20000\) must not exceed RECONCILE_MAX_DELAY_MS \(10000\)/,
    );
    expect(() => validateEnvironment({ RECONCILE_READS_PER_SECOND: '16' })).toThrow(/RECONCILE_READS_PER_SECOND/);
  });

  it('reads Redis Cluster seed nodes, and refuses a malformed list', () => {
    expect(AppConfig.load({}).redis.clusterNodes).toBeUndefined();
    expect(AppConfig.load({ REDIS_CLUSTER_NODES: 'redis-a:7000,10.0.0.2:7001' }).redis.clusterNodes).toEqual([
      { host: 'redis-a', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
    for (const bad of ['redis-a', 'redis://redis-a:7000', 'redis-a:7000,', 'redis-a:7000 redis-b:7001']) {
      expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: bad })).toThrow(
        'REDIS_CLUSTER_NODES must be a comma-separated list of host:port',
      );
    }
    expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: 'redis-a:7000,redis-b:70000' })).toThrow(
      'REDIS_CLUSTER_NODES ports must be 1-65535 (got redis-b:70000)',
    );
  });

  it('adapts the rate-limit margin by default, and refuses a cap below its floor', () => {
    expect(AppConfig.load({}).dispatch.rateLimitMargin).toEqual({
      floorMs: 20,
      maxMs: 250,
      widenStepMs: 20,
      repeatMs: 10_000,
      narrowStepMs: 5,
      quietMs: 30_000,
      memoryMs: 600_000,
    });
    expect(() => validateEnvironment({ RATE_LIMIT_MARGIN_MS: '50', RATE_LIMIT_MARGIN_MAX_MS: '40' })).toThrow(
      /RATE_LIMIT_MARGIN_MAX_MS \(40\) must not be below RATE_LIMIT_MARGIN_MS \(50\)/,
    );
    expect(() => validateEnvironment({ RATE_LIMIT_MARGIN_QUIET_MS: '500' })).toThrow(/RATE_LIMIT_MARGIN_QUIET_MS/);
    expect(
      AppConfig.load({ RATE_LIMIT_MARGIN_MS: '50', RATE_LIMIT_MARGIN_MAX_MS: '50' }).dispatch.rateLimitMargin,
    ).toMatchObject({
      floorMs: 50,
      maxMs: 50,
    });
  });

  it('documents every variable in .env.example, and nothing else', () => {
    const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(environmentVariableNames());
  });
});
