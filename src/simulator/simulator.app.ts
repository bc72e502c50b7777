import type { LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@/config';
import { SimulatorModule, SimulatorModuleOptions } from './simulator.module';
import { installTrafficHooks } from './traffic/traffic.hooks';

export interface SimulatorAppOptions extends SimulatorModuleOptions {
  /** A Nest logger, the levels for Nest's console logger, or false for none (default: Nest's console logger). */
  logger?: LoggerService | LogLevel[] | false;
}

/** Bodies up to 8 MB (DFO messages are small; attachments travel as URLs). */
const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Builds the CXone simulator as its own Nest application on its own Fastify instance (never the main AppModule, its
 * guard or its filter) and initialises it without listening: `npm run start:sim` (src/simulator/main.ts) listens on
 * config.simulator.host/port, the main process can embed it, and tests listen on port 0.
 */
export async function createSimulatorApp(
  config: AppConfig,
  options: SimulatorAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Thread and message ids from external platforms appear in paths and can be long.
    routerOptions: { maxParamLength: 1024 },
    // Keep-alive connections must not hold a shutdown open.
    forceCloseConnections: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(SimulatorModule.forRoot(config, options), adapter, {
    logger: options.logger,
    abortOnError: false,
  });
  installTrafficHooks(app);
  await app.init();
  return app;
}
