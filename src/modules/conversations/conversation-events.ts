import { Injectable, Logger } from '@nestjs/common';
import { LiveEvents } from '@/infra/live/live-events';
import type { MessageView, ThreadView } from './conversation-views';

/** What a customer's open widgets are told, live. `message` events carry the store's position (seq) as their id. */
export type ConversationEvent =
  | { type: 'message'; seq: string; message: MessageView }
  | { type: 'message-state'; id: string; clientMessageId: string | null; state: MessageView['state'] }
  | { type: 'typing'; typing: boolean; agentName?: string }
  | { type: 'conversation'; thread: ThreadView };

/**
 * Live events of one customer (every widget session of theirs, on any api replica), over Redis pub/sub. Publishing
 * never fails the caller: what was stored is in PostgreSQL, and a widget that missed an event catches up from there
 * when it reconnects.
 */
@Injectable()
export class ConversationEvents {
  private readonly logger = new Logger(ConversationEvents.name);

  constructor(private readonly live: LiveEvents) {}

  async publish(contactId: string, event: ConversationEvent): Promise<void> {
    try {
      await this.live.publish(this.topic(contactId), event);
    } catch (err) {
      this.logger.warn(`live event for a customer not published (they catch up on reconnect): ${String(err)}`);
    }
  }

  subscribe(contactId: string, listener: (event: ConversationEvent) => void): () => void {
    return this.live.subscribe(this.topic(contactId), (payload) => listener(payload as ConversationEvent));
  }

  /** Whether this process now hears the customer's events (Redis acknowledged the subscription) within timeoutMs. */
  subscribed(contactId: string, timeoutMs: number): Promise<boolean> {
    return this.live.subscribed(this.topic(contactId), timeoutMs);
  }

  onReconnect(listener: () => void): () => void {
    return this.live.onReconnect(listener);
  }

  private topic(contactId: string): string {
    return `contact:${contactId}`;
  }
}
