import { Agent, get } from 'node:http';

export interface SseEvent {
  /** The `event:` field ('message' when there is none). */
  event: string;
  /** The `data:` lines, joined with newlines. */
  data: string;
  /** The last `id:` seen on the stream (it carries over to later events, as in EventSource). */
  id: string | null;
  /** performance.now() when the chunk that completed the event arrived. */
  receivedAt: number;
}

/**
 * Splits a text/event-stream into events as EventSource does (WHATWG HTML, "event stream interpretation"): lines end
 * with CRLF, LF or CR; a blank line dispatches the event; `:` lines are comments (keep-alives); one space after the
 * colon is dropped; an event without data lines is not dispatched. Chunks may split lines anywhere.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;

  feed(chunk: string, receivedAt = performance.now()): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const end = /\r\n|\r|\n/.exec(this.buffer);
      if (!end) break;
      // a CR at the very end may be the first half of a CRLF still in flight
      if (end[0] === '\r' && end.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, end.index);
      this.buffer = this.buffer.slice(end.index + end[0].length);
      const event = this.line(line, receivedAt);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string, receivedAt: number): SseEvent | null {
    if (line === '') {
      const event =
        this.data.length > 0
          ? { event: this.event || 'message', data: this.data.join('\n'), id: this.id, receivedAt }
          : null;
      this.data = [];
      this.event = '';
      return event;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    // `retry` and unknown fields mean nothing to a benchmark
    return null;
  }
}

/** One open event stream: its events go to every listener; `closed` tells whether the server ended it. */
export class EventStream {
  private readonly listeners = new Set<(event: SseEvent) => void>();
  private destroy: () => void = () => undefined;
  private closing = false;
  private resolveFirst: (event: SseEvent) => void = () => undefined;
  /** The first event of the stream (the service sends the conversation's state first). */
  readonly first = new Promise<SseEvent>((resolve) => (this.resolveFirst = resolve));
  /** The server ended the stream before close() was called. */
  closedByServer = false;

  /** GET `url` with these headers; resolves once the server answered 200 with an event stream. */
  static open(agent: Agent, url: string, headers: Record<string, string>): Promise<EventStream> {
    const stream = new EventStream();
    const parser = new SseParser();
    return new Promise((resolve, reject) => {
      const req = get(url, { agent, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => reject(new Error(`GET ${url} answered ${res.statusCode}: ${body.slice(0, 300)}`)));
          return;
        }
        res.on('data', (chunk: string) => {
          for (const event of parser.feed(chunk)) {
            stream.resolveFirst(event);
            for (const listener of stream.listeners) listener(event);
          }
        });
        res.on('close', () => (stream.closedByServer = !stream.closing));
        resolve(stream);
      });
      req.on('error', reject);
      stream.destroy = () => req.destroy();
    });
  }

  onEvent(listener: (event: SseEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first event from now on that `match` accepts. */
  waitFor(match: (event: SseEvent) => boolean, timeoutMs: number, what: string): Promise<SseEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onEvent((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
    });
  }

  close(): void {
    this.closing = true;
    this.destroy();
  }
}
