import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, RunningProcess } from '@test/helpers/process';

/** Runs src/simulator/main.ts (what `npm run start:sim` runs, compiled) in a child process, from the sources. */
function startStandalone(env: Record<string, string>): RunningProcess {
  const register = join(__dirname, 'fixtures', 'register-ts.cjs');
  const child = spawn(process.execPath, ['-r', register, join(ROOT, 'src', 'simulator', 'main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new RunningProcess(child);
}

describe('CXone simulator: standalone process (src/simulator/main.ts)', () => {
  it('listens on SIMULATOR_HOST:SIMULATOR_PORT with JSON logs and exits 0 on SIGTERM', async () => {
    const proc = startStandalone({ SIMULATOR_HOST: '127.0.0.1', SIMULATOR_PORT: '0', LOG_LEVEL: 'info' });
    try {
      const [line, url] = await proc.waitFor(/CXone simulator listening on (http:\/\/[^"\s]+)/);
      const health = await fetch(`${url}/health`);
      const discovery = await fetch(`${url}/.well-known/openid-configuration`);

      expect(health.status).toBe(200);
      expect(await discovery.json()).toMatchObject({ token_endpoint: `${url}/auth/token` });
      const logLine = proc
        .output()
        .split('\n')
        .find((l) => l.includes(line));
      expect(JSON.parse(logLine!)).toMatchObject({ level: 'info', service: 'cxone-simulator' });

      proc.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('refuses bad configuration with a message naming the variable and exit code 1', async () => {
    const proc = startStandalone({ SIMULATOR_PORT: 'not-a-port' });

    const exit = await proc.exited;

    expect(exit.code).toBe(1);
    expect(proc.output()).toContain('SIMULATOR_PORT');
  });
});
