import { ExpiringCache } from './expiring-cache';

describe('ExpiringCache', () => {
  afterEach(() => jest.useRealTimers());

  it('loads once per key until the entry expires, sharing concurrent loads', async () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new ExpiringCache<string, number>(1000);
    let loads = 0;
    const load = (): Promise<number> => Promise.resolve(++loads);

    expect(await Promise.all([cache.get('a', load), cache.get('a', load)])).toEqual([1, 1]);
    jest.setSystemTime(999);
    expect(await cache.get('a', load)).toBe(1);
    jest.setSystemTime(1000);
    expect(await cache.get('a', load)).toBe(2);
  });

  it('forgets failed loads and deleted keys', async () => {
    const cache = new ExpiringCache<string, number>(60_000);
    await expect(cache.get('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('a', () => Promise.resolve(1))).toBe(1);
    cache.delete('a');
    expect(await cache.get('a', () => Promise.resolve(2))).toBe(2);
  });
});
