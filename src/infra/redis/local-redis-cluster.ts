import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;
/** A node's cluster bus listens on its port + 10000. */
const BUS_OFFSET = 10_000;

/**
 * A throw-away Redis Cluster of `redis-server` processes on free localhost ports, for the integration test and the
 * benchmark that run Threadline on a cluster (the application never starts one). Its nodes keep nothing on disk but
 * their cluster config, in a temporary directory that `stop()` removes with the processes.
 */
export class LocalRedisCluster {
  private exitHook = (): void => this.killNow();

  private constructor(
    readonly ports: number[],
    private readonly dir: string,
    private readonly nodes: ChildProcess[],
  ) {
    process.once('exit', this.exitHook);
  }

  /** Whether `redis-server` and `redis-cli` can be run here. */
  static available(): boolean {
    return ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version']).status === 0);
  }

  /** Starts `size` masters (no replicas), joins them into one cluster and waits until every node says it is ok. */
  static async start(size = 3): Promise<LocalRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'threadline-redis-cluster-'));
    const ports: number[] = [];
    while (ports.length < size) {
      const port = await freeClusterPort();
      if (!ports.includes(port)) ports.push(port);
    }
    const nodes = ports.map((port) => startNode(port, dir));
    const cluster = new LocalRedisCluster(ports, dir, nodes);
    try {
      await Promise.all(ports.map((port) => waitFor(port, ['ping'], (out) => out.trim() === 'PONG')));
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await Promise.all(
        ports.map((port) => waitFor(port, ['cluster', 'info'], (out) => out.includes('cluster_state:ok'))),
      );
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** The seed nodes as REDIS_CLUSTER_NODES takes them. */
  get nodesSetting(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  /** Stops every node and removes their files. */
  async stop(): Promise<void> {
    process.removeListener('exit', this.exitHook);
    await Promise.all(
      this.nodes.map(async (node) => {
        if (node.exitCode !== null || node.signalCode !== null) return;
        const exited = new Promise((resolve) => node.once('exit', resolve));
        node.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort when the process exits without stop(): no node outlives it, no file stays behind. */
  private killNow(): void {
    for (const node of this.nodes) node.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function startNode(port: number, dir: string): ChildProcess {
  const node = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: 'ignore' },
  );
  node.on('error', () => undefined); // a missing binary shows up as the node not answering
  return node;
}

/** Polls `redis-cli -p port args` until `ok(output)`, for at most READY_TIMEOUT_MS. */
async function waitFor(port: number, args: string[], ok: (output: string) => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    let last: string;
    try {
      last = (await run('redis-cli', ['-p', String(port), ...args])).stdout;
      if (ok(last)) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(`redis node ${port}: no answer to "${args.join(' ')}" in time (last: ${last.trim()})`);
    }
    await sleep(100);
  }
}

/** A port that is free, as is its cluster bus port (port + 10000). */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isFree(port)) && (await isFree(port + BUS_OFFSET))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
