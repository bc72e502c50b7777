import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@/config';
import { createSimulatorApp } from '@/simulator/simulator.app';
import { HttpClient } from './http';

export interface TestSimulator {
  app: NestFastifyApplication;
  url: string;
  /** The control API (/sim/*). */
  control: HttpClient;
  /** Overrides for an app that should use this simulator as its default CXone account. */
  appEnv: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the CXone simulator in this process on a random port. `env` overrides its settings (SIMULATOR_*). */
export async function startSimulator(env: Record<string, string> = {}): Promise<TestSimulator> {
  const config = AppConfig.load({}, { NODE_ENV: 'test', LOG_LEVEL: 'error', ...env });
  const app = await createSimulatorApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    control: new HttpClient(url),
    appEnv: { SIMULATOR_URL: url, SIMULATOR_EMBEDDED: 'false' },
    close: () => app.close(),
  };
}
