import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Gauge } from 'prom-client';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { ConversationEvent, ConversationEvents } from '@/modules/conversations/conversation-events';
import { ConversationsService } from '@/modules/conversations/conversations.service';
import type { ByocChannel } from '@/modules/channels/channels.service';

const KEEPALIVE_MS = 15_000;
const SUBSCRIBE_WAIT_MS = 2_000;

interface OpenStream {
  close(): void;
}

/**
 * The widget's live stream (Server-Sent Events), on any api replica: it subscribes to the customer's live events
 * before reading what it must replay, so nothing falls in between; replays the stored messages after Last-Event-ID
 * (message events carry the store's position as their id); sends the conversation's state on connect and on every
 * change; catches up from PostgreSQL after a Redis reconnect; and ends when the process shuts down.
 */
@Injectable()
export class WidgetStreams implements OnApplicationShutdown {
  private readonly logger = new Logger(WidgetStreams.name);
  private readonly open = new Set<OpenStream>();
  private readonly gauge: Gauge;

  constructor(
    private readonly events: ConversationEvents,
    private readonly conversations: ConversationsService,
    lifecycle: LifecycleService,
    metrics: MetricsService,
  ) {
    this.gauge = metrics.gauge({
      name: 'threadline_widget_streams',
      help: 'Open widget event streams on this process',
    });
    lifecycle.shuttingDown$.subscribe(() => this.closeAll());
  }

  get size(): number {
    return this.open.size;
  }

  async serve(
    reply: FastifyReply,
    session: { channel: ByocChannel; customerId: string; contactId: string },
    lastEventId: string | undefined,
    corsHeaders: Record<string, string>,
  ): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(reply.request.id),
      ...corsHeaders,
    });
    let lastSeq = /^\d{1,19}$/.test(lastEventId ?? '') ? lastEventId! : null;
    let replaying = true;
    const held: ConversationEvent[] = [];
    const write = (event: ConversationEvent): void => {
      if (event.type === 'message') {
        if (lastSeq !== null && BigInt(event.seq) <= BigInt(lastSeq)) return;
        lastSeq = event.seq;
        raw.write(`id: ${event.seq}\nevent: message\ndata: ${JSON.stringify(event.message)}\n\n`);
        return;
      }
      const { type, ...data } = event;
      raw.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const catchUp = async (): Promise<void> => {
      if (lastSeq !== null)
        for (const m of await this.conversations.since(session.contactId, lastSeq)) write({ type: 'message', ...m });
      const { thread } = await this.conversations.current(session.channel, session.customerId);
      if (thread) write({ type: 'conversation', thread });
    };

    const unsubscribe = this.events.subscribe(session.contactId, (event) =>
      replaying ? held.push(event) : write(event),
    );
    const unReconnect = this.events.onReconnect(() => void catchUp().catch(() => undefined));
    const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    const stream: OpenStream = {
      close: () => {
        clearInterval(keepalive);
        unsubscribe();
        unReconnect();
        if (this.open.delete(stream)) this.gauge.set(this.open.size);
        if (!raw.writableEnded) raw.end();
      },
    };
    this.open.add(stream);
    this.gauge.set(this.open.size);
    raw.on('close', () => stream.close());
    // What is published once the subscription holds arrives live, what came before is read from PostgreSQL; the
    // headers go out (the browser's `open`) only then, so a page that reads its history on `open` misses nothing.
    if (!(await this.events.subscribed(session.contactId, SUBSCRIBE_WAIT_MS))) {
      this.logger.warn('widget stream opened before its live subscription was confirmed (it catches up on reconnect)');
    }
    raw.write(': connected\n\n');
    try {
      await catchUp();
    } catch (err) {
      this.logger.warn(`widget stream could not replay: ${String(err)}`);
    }
    replaying = false;
    for (const event of held.splice(0)) write(event);
  }

  onApplicationShutdown(): void {
    this.closeAll();
  }

  private closeAll(): void {
    for (const stream of [...this.open]) stream.close();
  }
}
