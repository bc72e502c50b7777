import { connect, Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * One TCP connection to the server, for tests about what happens on the wire: keep-alive after an early answer,
 * requests the HTTP parser refuses. Requests are written as raw bytes; answers are read one at a time.
 */
export class RawConnection {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private waiter: (() => void) | null = null;
  /** Errors writing (EPIPE, ECONNRESET): the server may close while a body is still being sent. */
  readonly writeErrors: string[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.writeErrors.push(err.code ?? err.message);
      end();
    });
  }

  static open(baseUrl: string): Promise<RawConnection> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.ended;
  }

  /** Writes bytes without waiting for them to be read (a server that closes early makes the rest fail quietly). */
  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Resolves once everything written so far has been handed to the operating system (or the socket failed). */
  flushed(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writableNeedDrain) return resolve();
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** The next complete answer, or null when the server closed the connection without (another) one. */
  async nextResponse(timeoutMs = 5_000): Promise<RawResponse | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer within ${timeoutMs} ms (connection still open)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** A whole response from the front of the buffer (Content-Length or chunked bodies), removed from it. */
  private parse(): RawResponse | null {
    const headEnd = this.buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return null;
    const [statusLine, ...lines] = this.buffered.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    let offset = headEnd + 4;
    let body: Buffer;
    if (headers['transfer-encoding'] === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = this.buffered.indexOf('\r\n', offset);
        if (lineEnd < 0) return null;
        const size = parseInt(this.buffered.subarray(offset, lineEnd).toString('latin1'), 16);
        if (this.buffered.length < lineEnd + 2 + size + 2) return null;
        parts.push(this.buffered.subarray(lineEnd + 2, lineEnd + 2 + size));
        offset = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (this.buffered.length < offset + length) return null;
      body = this.buffered.subarray(offset, offset + length);
      offset += length;
    }
    this.buffered = this.buffered.subarray(offset);
    return { status, headers, body: body.toString('utf8') };
  }
}
