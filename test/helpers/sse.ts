export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/**
 * A Server-Sent Events reader over fetch (the real network path): it parses frames as they arrive, keeps every event,
 * and lets a test await the first event matching a predicate (no polling, no sleeps).
 */
export class SseStream {
  readonly events: SseEvent[] = [];
  status = 0;
  private readonly abort = new AbortController();
  private waiters: Array<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
  private ended = false;
  private opened!: Promise<void>;

  private constructor() {}

  /** Opens the stream and resolves once the response headers arrived. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const stream = new SseStream();
    stream.opened = stream.run(url, headers);
    await stream.opened;
    return stream;
  }

  /** The first event (already received or still to come) that matches, within timeoutMs. */
  next(what: string, match: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        const got = this.events.map((e) => `${e.event}${e.id ? `#${e.id}` : ''} ${JSON.stringify(e.data)}`);
        reject(new Error(`no SSE event "${what}" within ${timeoutMs} ms; got:\n  ${got.join('\n  ') || '(none)'}`));
      }, timeoutMs);
      const done = (e: SseEvent): void => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  close(): void {
    this.ended = true;
    this.abort.abort();
  }

  private async run(url: string, headers: Record<string, string>): Promise<void> {
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: this.abort.signal,
    });
    this.status = response.status;
    if (!response.ok || !response.body) {
      this.events.push({ event: 'http-error', data: await response.text() });
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.frame(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (err) {
        if (!this.ended) this.events.push({ event: 'stream-error', data: String(err) });
      }
    })();
  }

  private frame(text: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const joined = data.join('\n');
    let parsed: unknown = joined;
    try {
      parsed = JSON.parse(joined);
    } catch {
      // not JSON: kept as text
    }
    const received: SseEvent = { event, ...(id !== undefined ? { id } : {}), data: parsed };
    this.events.push(received);
    for (const waiter of this.waiters.filter((w) => w.match(received))) {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      waiter.resolve(received);
    }
  }
}
