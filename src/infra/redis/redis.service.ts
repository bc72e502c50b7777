import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import IORedis, { Cluster, RedisOptions } from 'ioredis';
import { AppConfig } from '@/config';
import { withDeadline } from '@/infra/time/deadline';
import { clusterOptionsFromUrl, RedisClient, redisOptionsFromUrl } from './redis-options';

export type { RedisClient } from './redis-options';

/**
 * The shared Redis command connection (rate limiter, token cache, pub/sub publishing) and a factory for the extra
 * connections BullMQ and subscribers need. Every key Threadline writes starts with `key()`'s prefix.
 *
 * On a Redis Cluster every connection is a cluster client, and keys a script, transaction or MGET uses together share
 * a hash tag (`{...}`) so they live in one slot; see the README's "Redis Cluster" section.
 */
const REPORT_EVERY_MS = 30_000;

/** Options that belong to the cluster client itself; every other option applies to each node connection. */
const CLUSTER_LEVEL_OPTIONS = ['enableAutoPipelining', 'enableOfflineQueue', 'lazyConnect'] as const;

@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private readonly connections: RedisClient[] = [];
  /** The cluster client BullMQ queues share (workers get duplicates of it); created on first use. */
  private bullCluster?: Cluster;
  /** Sources currently failing (when each was last logged, and what was dropped since), so an outage is logged as one
   * line when it starts, a summary every REPORT_EVERY_MS while it lasts, and one line when it ends; not per retry. */
  private readonly failing = new Map<string, { loggedAt: number; dropped: number }>();
  readonly client: RedisClient;
  readonly prefix: string;

  constructor(private readonly config: AppConfig) {
    this.prefix = config.redis.prefix;
    // Commands fail after a few reconnect attempts instead of queueing forever, so an API request gets a 503
    // instead of hanging while Redis is down. Commands issued in the same tick share one write (auto-pipelining):
    // the send path issues several small ones per message.
    this.client = this.connect('command', { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  }

  /**
   * The connection for BullMQ (workers need maxRetriesPerRequest: null and reconnect forever): options for a single
   * Redis, or one shared cluster client, which BullMQ uses as is for queues and duplicates for each worker. BullMQ
   * never closes a client it was handed, so that one is closed here with the application.
   */
  bullConnection(): RedisOptions | Cluster {
    if (!this.config.redis.clusterNodes) {
      return { ...redisOptionsFromUrl(this.config.redis.url), maxRetriesPerRequest: null };
    }
    this.bullCluster ??= this.connect('bullmq', { maxRetriesPerRequest: null }) as Cluster;
    return this.bullCluster;
  }

  /**
   * BullMQ's key prefix for `queueName`. On a cluster every key of a queue must hash to one slot, so the prefix ends
   * in a hash tag of the queue's own name (BullMQ's documented approach, one slot per queue so queues spread over the
   * nodes); on a single Redis it is the plain prefix.
   */
  queuePrefix(queueName: string): string {
    return this.config.redis.clusterNodes ? `${this.prefix}:{${queueName}}` : this.prefix;
  }

  /** A new dedicated connection (subscribers, blocking commands); closed with the application. */
  connect(name: string, options: RedisOptions = {}): RedisClient {
    const connectionName = `threadline-${this.config.app.role}-${name}`;
    const connection = this.config.redis.clusterNodes
      ? this.connectCluster(this.config.redis.clusterNodes, { connectionName, ...options })
      : new IORedis({ ...redisOptionsFromUrl(this.config.redis.url), connectionName, ...options });
    connection.on('error', (err: Error) => this.reportError(`connection ${name}`, err));
    connection.on('ready', () => this.reportRecovered(`connection ${name}`));
    this.connections.push(connection);
    return connection;
  }

  private connectCluster(nodes: Array<{ host: string; port: number }>, options: RedisOptions): Cluster {
    const nodeOptions: RedisOptions = { ...options };
    const clusterLevel: Record<string, unknown> = {};
    for (const name of CLUSTER_LEVEL_OPTIONS) {
      if (name in nodeOptions) clusterLevel[name] = nodeOptions[name];
      delete nodeOptions[name];
    }
    return new Cluster(nodes, { ...clusterOptionsFromUrl(this.config.redis.url, nodeOptions), ...clusterLevel });
  }

  /**
   * Logs a Redis error of `source` (a connection, a queue, a worker) as one JSON line at the start of an outage;
   * repeats while it lasts are dropped, and the end is logged by reportRecovered.
   */
  reportError(source: string, err: Error): void {
    const now = Date.now();
    const seen = this.failing.get(source);
    if (seen && now - seen.loggedAt < REPORT_EVERY_MS) {
      seen.dropped++;
      return;
    }
    const repeats = seen?.dropped ? ` (${seen.dropped} more since the last report)` : '';
    this.failing.set(source, { loggedAt: now, dropped: 0 });
    this.logger.warn(`Redis error (${source}): ${err.message}${repeats}`);
  }

  reportRecovered(source: string): void {
    if (this.failing.delete(source)) this.logger.log(`Redis reachable again (${source})`);
  }

  /** Whether the shared command connection is connected right now (a health probe needs no round trip to know). */
  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  /** `command`, failing after `ms` instead of waiting for a reconnect (for reads that have a fallback). */
  withTimeout<T>(command: Promise<T>, ms: number): Promise<T> {
    if (!this.isReady) {
      command.catch(() => undefined);
      return Promise.reject(new Error(`Redis is ${this.client.status}`));
    }
    return withDeadline(command, ms, 'Redis');
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async ping(): Promise<void> {
    if (!this.isReady) throw new Error(`Redis connection is ${this.client.status}`);
    const answer = await this.client.ping();
    if (answer !== 'PONG') throw new Error(`unexpected PING answer ${String(answer)}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
