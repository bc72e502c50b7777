import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import IORedis from 'ioredis';

/**
 * A Redis server of the test's own (redis-server on a free port, nothing on disk), so a test can stop it and start
 * it again empty, as a restart without persistence or a failover would, without touching the shared Redis.
 */
export class PrivateRedis {
  private process: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (empty) and waits until it answers PING. */
  async up(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
      { stdio: 'ignore' },
    );
    const client = new IORedis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    try {
      for (let i = 0; i < 200; i++) {
        try {
          if (client.status !== 'ready') await client.connect().catch(() => undefined);
          if ((await client.ping()) === 'PONG') return;
        } catch {
          // not up yet
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`redis-server on port ${this.port} did not start`);
    } finally {
      client.disconnect();
    }
  }

  /** Stops the server without saving anything (SHUTDOWN NOSAVE): its data is gone. */
  async down(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
    this.process = null;
  }

  /** What a restart without persistence does: everything in Redis is lost, then it answers again. */
  async restartEmpty(): Promise<void> {
    await this.down();
    await this.up();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
