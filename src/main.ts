import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, ConfigError } from '@/config';
import { createApp } from '@/bootstrap';
import { LifecycleService } from '@/infra/http/lifecycle.service';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.load();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  installShutdown(app, config);
  await app.listen({ port: config.app.port, host: config.app.host });
  new Logger('Main').log(`Threadline (${config.app.role}) listening on ${await app.getUrl()}`);
}

/**
 * SIGTERM/SIGINT: turn new requests away and report not-ready, let workers finish their active jobs (or hand them
 * back to the queue), close HTTP, then pools. A second signal or the deadline forces the exit.
 */
function installShutdown(app: NestFastifyApplication, config: AppConfig): void {
  const logger = new Logger('Shutdown');
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    shuttingDown = true;
    logger.log(`${signal} received: shutting down`);
    app.get(LifecycleService).beginShutdown();
    setTimeout(() => {
      logger.error(`shutdown took longer than ${config.app.shutdownTimeoutMs} ms: exiting`);
      process.exit(1);
    }, config.app.shutdownTimeoutMs).unref();
    app
      .close()
      .then(() => {
        logger.log('shutdown complete');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(`Threadline failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
