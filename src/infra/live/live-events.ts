import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { RedisClient } from '@/infra/redis/redis-options';
import { RedisService } from '@/infra/redis/redis.service';

type Listener = (payload: unknown) => void;

/**
 * Events for whoever is connected right now (a chat widget's open streams), on any api replica: published through
 * Redis pub/sub, delivered to this process's listeners of the topic. A process subscribes to a topic while it has
 * listeners for it. Nothing here is the record: PostgreSQL is, and listeners catch up from it after `reconnects$`
 * (pub/sub drops what is published while a subscriber is disconnected).
 */
@Injectable()
export class LiveEvents implements OnApplicationShutdown {
  private readonly logger = new Logger(LiveEvents.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly reconnectListeners = new Set<() => void>();
  private subscriber: RedisClient | null = null;
  private connectedOnce = false;
  /** Per topic: its SUBSCRIBE on the current connection, acknowledged when this settles. */
  private readonly acknowledged = new Map<string, Promise<void>>();

  constructor(private readonly redis: RedisService) {}

  /** Publishes `event` to every listener of `topic`, in every process. */
  async publish(topic: string, event: unknown): Promise<void> {
    await this.redis.client.publish(this.channel(topic), JSON.stringify(event));
  }

  /** Listens to `topic` until the returned function is called. */
  subscribe(topic: string, listener: Listener): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
      void this.ensureSubscribed(topic).catch(() => undefined);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(topic);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(topic);
      this.acknowledged.delete(topic);
      if (this.subscriber?.status === 'ready') {
        this.subscriber
          .unsubscribe(this.channel(topic))
          .catch((err: unknown) => this.logger.warn(`unsubscribe ${topic}: ${String(err)}`));
      }
    };
  }

  /**
   * Resolves once Redis acknowledged the subscription to `topic` (what is published from then on reaches this
   * process), at most after `timeoutMs`; false when that did not happen in time.
   */
  async subscribed(topic: string, timeoutMs: number): Promise<boolean> {
    const ack = this.acknowledged.get(topic) ?? this.ensureSubscribed(topic);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([ack.then(() => true), late]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Called after the subscriber connection came back (events may have been missed meanwhile). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    this.reconnectListeners.clear();
    this.acknowledged.clear();
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /**
   * SUBSCRIBE is sent only on a ready connection: sent while ioredis is still connecting, it would put the
   * connection in subscriber mode before its own ready check, which then fails, and the subscribe is lost.
   */
  private ensureSubscribed(topic: string): Promise<void> {
    const subscriber = this.connection();
    const ready =
      subscriber.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
    const ack = ready.then(async () => {
      await subscriber.subscribe(this.channel(topic));
    });
    this.acknowledged.set(topic, ack);
    ack.catch((err: unknown) => {
      if (this.acknowledged.get(topic) !== ack) return;
      this.acknowledged.delete(topic);
      this.logger.warn(`subscribe ${topic} failed; trying again in 1 s: ${String(err)}`);
      setTimeout(() => {
        if (this.listeners.has(topic) && !this.acknowledged.has(topic))
          void this.ensureSubscribed(topic).catch(() => undefined);
      }, 1000).unref();
    });
    return ack;
  }

  private connection(): RedisClient {
    if (this.subscriber) return this.subscriber;
    // subscriptions are renewed here on every 'ready' rather than by ioredis, so each one is acknowledged
    const subscriber = this.redis.connect('live-events', { maxRetriesPerRequest: null, autoResubscribe: false });
    const prefix = this.channel('');
    subscriber.on('message', (channel: string, message: string) => {
      const listeners = this.listeners.get(channel.slice(prefix.length));
      if (!listeners) return;
      let payload: unknown;
      try {
        payload = JSON.parse(message);
      } catch {
        return;
      }
      for (const listener of listeners) listener(payload);
    });
    subscriber.on('close', () => this.acknowledged.clear());
    subscriber.on('ready', () => {
      if (!this.connectedOnce) {
        this.connectedOnce = true;
        return; // the first subscriptions are waiting for this moment (ensureSubscribed)
      }
      for (const topic of this.listeners.keys()) void this.ensureSubscribed(topic).catch(() => undefined);
      // what was published while the connection was away is for the listeners to catch up on
      for (const listener of this.reconnectListeners) listener();
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private channel(topic: string): string {
    return this.redis.key('live', topic);
  }
}
