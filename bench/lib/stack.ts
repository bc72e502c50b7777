import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import IORedis from 'ioredis';
import type { AppConfig } from '@/config';
import { migrate } from '@/infra/prisma/migrator';
import { projectRoot } from '@/infra/project-root';
import { Client } from 'pg';

/**
 * The service as deployed, for benchmarks: a scratch database (migrated from prisma/migrations) on DATABASE_URL's
 * server, a scratch Redis prefix on REDIS_URL, and the simulator, api and worker as separate processes built from
 * dist/. Everything is removed at the end.
 */
export class BenchStack {
  readonly databaseUrl: string;
  readonly prefix = `bench${randomBytes(3).toString('hex')}`;
  private readonly processes: BenchProcess[] = [];

  /** `redisClusterNodes`: run the api and worker on that Redis Cluster (REDIS_CLUSTER_NODES) instead of REDIS_URL. */
  constructor(
    private readonly config: AppConfig,
    private readonly options: { redisClusterNodes?: string } = {},
  ) {
    const url = new URL(config.database.url);
    url.pathname = `/${url.pathname.slice(1) || 'threadline'}_bench_${randomBytes(3).toString('hex')}`;
    this.databaseUrl = url.toString();
  }

  async migrate(): Promise<void> {
    await migrate({ databaseUrl: this.databaseUrl, migrationsDir: join(projectRoot(), 'prisma', 'migrations') });
  }

  /** Environment shared by the api and worker processes. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.config.redis.url,
      QUEUE_PREFIX: this.prefix,
      ...(this.options.redisClusterNodes ? { REDIS_CLUSTER_NODES: this.options.redisClusterNodes } : {}),
      LOG_LEVEL: 'info',
      SWEEPER_INTERVAL_MS: '60000',
      ...extra,
    };
  }

  /** Starts a compiled entry point and waits for its "listening on <url>" line. */
  async start(name: string, script: string, env: Record<string, string>): Promise<BenchProcess> {
    const proc = new BenchProcess(name, join(projectRoot(), 'dist', script), env);
    this.processes.push(proc);
    await proc.listening();
    return proc;
  }

  async cli(args: string[]): Promise<string> {
    const child = spawn(process.execPath, [join(projectRoot(), 'dist/src/cli/threadline.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...this.env() },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`cli ${args.join(' ')} exited ${code}`);
    return out;
  }

  async teardown(): Promise<void> {
    // A profiled run (BENCH_NODE_ARGS) ends its processes gently, so that they write their profiles.
    for (const p of this.processes) await p.stop(process.env.BENCH_NODE_ARGS ? 'SIGTERM' : 'SIGKILL');
    const admin = new URL(this.databaseUrl);
    const name = admin.pathname.slice(1);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => client.end());
    const redis = new IORedis(this.config.redis.url);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

export class BenchProcess {
  readonly child: ChildProcess;
  private output = '';
  url = '';

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
  ) {
    // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=prof") goes to every service process, for profiling a bench.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    this.child = spawn(process.execPath, [...nodeArgs, script], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', SIMULATOR_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-200_000);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
  }

  listening(timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start:\n${this.output.slice(-3000)}`)),
        timeoutMs,
      );
      const check = (): void => {
        const match = /listening on (http:\/\/[^"\s]+)/.exec(this.output);
        if (match) {
          clearTimeout(timer);
          this.url = match[1]!;
          resolve(this.url);
        }
      };
      this.child.stdout?.on('data', check);
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}):\n${this.output.slice(-3000)}`));
      });
      check();
    });
  }

  /** Peak resident memory so far (VmHWM), in MB; Linux only. */
  peakRssMb(): number | null {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
      return kb ? Math.round(Number(kb) / 1024) : null;
    } catch {
      return null;
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}
