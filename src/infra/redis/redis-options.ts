import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** A connection to one Redis, or to a Redis Cluster (REDIS_CLUSTER_NODES): both take the same commands. */
export type RedisClient = Redis | Cluster;

/** ioredis options from a redis:// or rediss:// URL (user, password, database number, TLS). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname && parsed.pathname !== '/' ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    db: Number.isInteger(db) ? db : 0,
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Cluster client options: each node connection gets the URL's user, password and TLS (its host and database do not
 * apply: the nodes come from REDIS_CLUSTER_NODES, and a cluster has only database 0) plus `nodeOptions`.
 */
export function clusterOptionsFromUrl(url: string, nodeOptions: RedisOptions): ClusterOptions {
  const { username, password, tls } = redisOptionsFromUrl(url);
  return {
    redisOptions: {
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(tls ? { tls } : {}),
      ...nodeOptions,
    },
  };
}
