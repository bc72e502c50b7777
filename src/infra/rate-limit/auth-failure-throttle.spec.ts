import { Logger } from '@nestjs/common';
import { AppConfig } from '@/config';
import { UnauthenticatedError } from '@/infra/errors/domain-error';
import { MetricsService } from '@/infra/metrics/metrics.service';
import type { RedisService } from '@/infra/redis/redis.service';
import { AuthFailureThrottle, AuthThrottledError, throttleAddress } from './auth-failure-throttle';

/** A RedisService whose transactions fail (Redis down) until `up` is set. */
function flakyRedis(): { redis: RedisService; state: { up: boolean; count: number } } {
  const state = { up: false, count: 0 };
  const transaction = {
    set: () => transaction,
    incr: () => transaction,
    pttl: () => transaction,
    exec: () =>
      state.up
        ? Promise.resolve([
            [null, 'OK'],
            [null, ++state.count],
            [null, 60_000],
          ])
        : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
  };
  const redis = { key: (...parts: string[]) => parts.join(':'), client: { multi: () => transaction } };
  return { redis: redis as unknown as RedisService, state };
}

const unauthenticated = (): Promise<never> => Promise.reject(new UnauthenticatedError('wrong key'));

describe('AuthFailureThrottle', () => {
  afterEach(() => jest.restoreAllMocks());

  it('fails open while Redis is down, warning once per outage', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { redis, state } = flakyRedis();
    const throttle = new AuthFailureThrottle(
      redis,
      AppConfig.load({}, { AUTH_FAILURE_LIMIT: '1' }),
      new MetricsService(),
    );

    for (let i = 0; i < 3; i++) await expect(throttle.check('192.0.2.1', unauthenticated)).rejects.toThrow('wrong key');
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('not throttled while Redis does not answer') as string,
    ]);

    state.up = true;
    await expect(throttle.check('192.0.2.1', unauthenticated)).rejects.toThrow('wrong key');
    await expect(throttle.check('192.0.2.1', unauthenticated)).rejects.toBeInstanceOf(AuthThrottledError);

    state.up = false;
    await expect(throttle.check('192.0.2.1', unauthenticated)).rejects.toThrow('wrong key');
    const outageWarnings = warn.mock.calls.filter((c) => String(c[0]).includes('Redis does not answer'));
    expect(outageWarnings).toHaveLength(2); // one per outage
  });

  it('returns a success untouched and lets other errors through uncounted', async () => {
    const { redis, state } = flakyRedis();
    state.up = true;
    const throttle = new AuthFailureThrottle(
      redis,
      AppConfig.load({}, { AUTH_FAILURE_LIMIT: '1' }),
      new MetricsService(),
    );
    await expect(throttle.check('192.0.2.1', () => Promise.resolve('principal'))).resolves.toBe('principal');
    await expect(throttle.check('192.0.2.1', () => Promise.reject(new Error('database down')))).rejects.toThrow(
      'database down',
    );
    expect(state.count).toBe(0);
  });
});

describe('throttleAddress', () => {
  it('counts IPv4 addresses as they are, IPv4-mapped IPv6 as IPv4', () => {
    expect(throttleAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 addresses per /64', () => {
    expect(throttleAddress('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('2001:0DB8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleAddress('::1')).toBe('0:0:0:0::/64');
    expect(throttleAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleAddress('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});
