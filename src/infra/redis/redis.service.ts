import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import IORedis, { Redis, RedisOptions } from 'ioredis';
import { AppConfig } from '@/config';
import { redisOptionsFromUrl } from './redis-options';

/**
 * The shared Redis command connection (rate limiter, token cache, pub/sub publishing) and a factory for the extra
 * connections BullMQ and subscribers need. Every key Threadline writes starts with `key()`'s prefix.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private readonly connections: Redis[] = [];
  /** Sources currently failing, so an outage is logged once when it starts (and once when it ends), not per retry. */
  private readonly failing = new Set<string>();
  readonly client: Redis;
  readonly prefix: string;

  constructor(private readonly config: AppConfig) {
    this.prefix = config.redis.prefix;
    // Commands fail after a few reconnect attempts instead of queueing forever, so an API request gets a 503
    // instead of hanging while Redis is down. Commands issued in the same tick share one write (auto-pipelining):
    // the send path issues several small ones per message.
    this.client = this.connect('command', { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  }

  /** Connection options for BullMQ (workers need maxRetriesPerRequest: null and reconnect forever). */
  bullConnectionOptions(): RedisOptions {
    return { ...redisOptionsFromUrl(this.config.redis.url), maxRetriesPerRequest: null };
  }

  /** A new dedicated connection (subscribers, blocking commands); closed with the application. */
  connect(name: string, options: RedisOptions = {}): Redis {
    const connection = new IORedis({
      ...redisOptionsFromUrl(this.config.redis.url),
      connectionName: `threadline-${this.config.app.role}-${name}`,
      ...options,
    });
    connection.on('error', (err: Error) => this.reportError(`connection ${name}`, err));
    connection.on('ready', () => this.reportRecovered(`connection ${name}`));
    this.connections.push(connection);
    return connection;
  }

  /**
   * Logs a Redis error of `source` (a connection, a queue, a worker) as one JSON line at the start of an outage;
   * repeats while it lasts are dropped, and the end is logged by reportRecovered.
   */
  reportError(source: string, err: Error): void {
    if (this.failing.has(source)) return;
    this.failing.add(source);
    this.logger.warn(`Redis error (${source}): ${err.message}; retrying in the background`);
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
    if (!this.isReady) return Promise.reject(new Error(`Redis is ${this.client.status}`));
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      command,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
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
