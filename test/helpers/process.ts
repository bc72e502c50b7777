import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export function compiled(relative: string): string {
  const file = join(ROOT, 'dist', relative);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does it)`);
  return file;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process whose output is collected line by line and can be awaited on. */
export class RunningProcess {
  private readonly lines: string[] = [];
  private readonly waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  readonly exited: Promise<Exit>;

  constructor(readonly child: ChildProcess) {
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.lines.push(line);
        for (const waiter of [...this.waiters]) {
          const match = waiter.pattern.exec(line);
          if (match) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(match);
          }
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  output(): string {
    return this.lines.join('\n');
  }

  /** Resolves with the first output line matching `pattern`; rejects if the process exits or the time runs out. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const existing = this.lines.map((l) => pattern.exec(l)).find((m) => m);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern}; output:\n${this.output()}`)),
        timeoutMs,
      );
      const waiter = {
        pattern,
        resolve: (m: RegExpMatchArray) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then((exit) => {
        if (this.waiters.includes(waiter)) {
          clearTimeout(timer);
          reject(
            new Error(`process exited (${exit.code ?? exit.signal}) before ${pattern}; output:\n${this.output()}`),
          );
        }
      });
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

export function spawnNode(script: string, args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new RunningProcess(child);
}

/** Starts the built application (dist/src/main.js) and waits until it listens; resolves with its URL. */
export async function spawnApp(env: Record<string, string>): Promise<{ proc: RunningProcess; url: string }> {
  const proc = spawnNode(compiled('src/main.js'), [], { HOST: '127.0.0.1', PORT: '0', ...env });
  const match = await proc.waitFor(/listening on (http:\/\/[^"\s]+)/);
  return { proc, url: match[1] };
}
