import { compiled, RunningProcess, spawnNode } from '@test/helpers/process';

/** Runs the built entry point (what `npm run start:sim` runs) in a child process. */
function startStandalone(env: Record<string, string>): RunningProcess {
  return spawnNode(compiled('src/simulator/main.js'), [], env);
}

describe('CXone simulator: standalone process (dist/src/simulator/main.js)', () => {
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
