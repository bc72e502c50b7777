import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
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
  private subscriber: Redis | null = null;
  private connectedOnce = false;

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
      this.connection()
        .subscribe(this.channel(topic))
        .catch((err: unknown) => this.logger.warn(`subscribe ${topic}: ${String(err)}`));
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(topic);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(topic);
      this.subscriber
        ?.unsubscribe(this.channel(topic))
        .catch((err: unknown) => this.logger.warn(`unsubscribe ${topic}: ${String(err)}`));
    };
  }

  /** Called after the subscriber connection came back (events may have been missed meanwhile). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    this.reconnectListeners.clear();
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.redis.connect('live-events', { maxRetriesPerRequest: null });
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
    subscriber.on('ready', () => {
      // ioredis re-subscribes by itself; what was published while it was away is for the listeners to catch up on
      if (this.connectedOnce) for (const listener of this.reconnectListeners) listener();
      this.connectedOnce = true;
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private channel(topic: string): string {
    return this.redis.key('live', topic);
  }
}
