import { clusterOptionsFromUrl, redisOptionsFromUrl } from './redis-options';

describe('Redis connection options', () => {
  it('reads host, port, credentials, database and TLS from a single-Redis URL', () => {
    expect(redisOptionsFromUrl('rediss://app:s%40cret@redis.internal:6380/2')).toEqual({
      host: 'redis.internal',
      port: 6380,
      username: 'app',
      password: 's@cret',
      db: 2,
      tls: {},
    });
  });

  it('gives each cluster node the URL’s credentials and TLS, but not its host or database', () => {
    expect(clusterOptionsFromUrl('rediss://app:s%40cret@ignored:6380/2', { maxRetriesPerRequest: null })).toEqual({
      redisOptions: { username: 'app', password: 's@cret', tls: {}, maxRetriesPerRequest: null },
    });
    expect(clusterOptionsFromUrl('redis://127.0.0.1:6379', { connectionName: 'x' })).toEqual({
      redisOptions: { connectionName: 'x' },
    });
  });
});
