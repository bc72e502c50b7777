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
    connection.on('error', (err: Error) => this.logger.warn(`Redis (${name}): ${err.message}`));
    this.connections.push(connection);
    return connection;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async ping(): Promise<void> {
    const answer = await this.client.ping();
    if (answer !== 'PONG') throw new Error(`unexpected PING answer ${String(answer)}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
