import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '@/config';

type Handler = (payload: string) => void;
/** Told when the listening connection is up (true) or lost (false): while lost, notifications may be missed. */
type StateHandler = (listening: boolean) => void;

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * PostgreSQL LISTEN/NOTIFY on one dedicated connection of this process: a NOTIFY sent in a transaction is delivered
 * when it commits, to every process listening. The connection is re-established with backoff when it drops; handlers
 * learn about both states, so a cache built on notifications can stop trusting itself while they may be missed.
 */
@Injectable()
export class DatabaseNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseNotifications.name);
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly stateHandlers = new Set<StateHandler>();
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private listening = false;

  constructor(private readonly config: AppConfig) {}

  get isListening(): boolean {
    return this.listening;
  }

  listen(channel: string, handler: Handler, onState?: StateHandler): void {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid notification channel ${channel}`);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client && this.listening) void this.client.query(`LISTEN ${channel}`).catch(() => undefined);
    }
    set.add(handler);
    if (onState) {
      this.stateHandlers.add(onState);
      onState(this.listening);
    }
    void this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.stopped || this.client) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: `threadline-${this.config.app.role}-listen`,
    });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      this.lost(client, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
    this.setListening(true);
  }

  private lost(client: Client, err: Error): void {
    if (this.client && this.client !== client) return;
    const wasListening = this.listening;
    this.client = null;
    this.setListening(false);
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    if (wasListening) this.logger.warn(`PostgreSQL notifications lost (${err.message}); reconnecting`);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  private setListening(listening: boolean): void {
    if (this.listening === listening) return;
    this.listening = listening;
    for (const handler of this.stateHandlers) handler(listening);
  }
}
