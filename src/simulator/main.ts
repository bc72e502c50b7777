import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from '@/config';
import { SimulatorJsonLogger } from './json-logger';
import { createSimulatorApp } from './simulator.app';

/**
 * Standalone CXone simulator (`node dist/src/simulator/main.js`): listens on SIMULATOR_HOST:SIMULATOR_PORT with JSON
 * logs; SIGTERM/SIGINT close it and exit 0.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createSimulatorApp(config, { logger: new SimulatorJsonLogger(config.log.level) });
  const logger = new Logger('CxoneSimulator');
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(1);
    closing = true;
    logger.log(`${signal} received: closing`);
    setTimeout(() => {
      logger.error('closing took longer than 10 s: exiting');
      process.exit(1);
    }, 10_000).unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error(`close failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await app.listen({ port: config.simulator.port, host: config.simulator.host });
  logger.log(`CXone simulator listening on ${await app.getUrl()}`);
}

main().catch((err: unknown) => {
  console.error(`CXone simulator failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
