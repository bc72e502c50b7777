import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { setFlagsFromString } from 'node:v8';
import { AppConfig, loadConfigOrExit } from '@/config';
import { createApp } from '@/bootstrap';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { SimulatorJsonLogger } from '@/simulator/json-logger';
import { createSimulatorApp } from '@/simulator/simulator.app';

/** How often idle keep-alive connections are closed while shutting down. */
const IDLE_SWEEP_MS = 100;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  boundHeapGrowth(config.app.heapGrowingPercent);
  // Without a CXone tenant, `npm start` plays CXone itself: the simulator listens first, so the first sends find it.
  const simulator = config.simulator.embedded ? await startEmbeddedSimulator(config) : undefined;
  const app = await createApp(config);
  installShutdown(app, config, simulator);
  await app.listen({ port: config.app.port, host: config.app.host });
  new Logger('Main').log(`Threadline (${config.app.role}) listening on ${await app.getUrl()}`);
}

async function startEmbeddedSimulator(config: AppConfig): Promise<NestFastifyApplication> {
  const simulator = await createSimulatorApp(withOwnWebhook(config), {
    logger: new SimulatorJsonLogger(config.log.level),
  });
  await simulator.listen({ port: config.simulator.port, host: config.simulator.host });
  new Logger('Main').log(
    `no CXone tenant configured: the CXone simulator runs in this process on ${await simulator.getUrl()}`,
  );
  return simulator;
}

/**
 * Both roles keep little alive but allocate fast: the worker while it sends (~50 MB of live heap, every buffer a
 * bounded batch), the api while it takes in an upload (rows parsed, checked and staged as COPY text, batch by batch).
 * V8 by default lets the old generation grow to two or three times what its last full collection kept before it
 * collects again, which took a 50,000-recipient run from 140 MB at boot to over 300 MB resident, nearly all garbage,
 * and the api 187 MB above its idle size over ten 100,000-row uploads. A lower growing factor collects sooner, for
 * more (mostly concurrent) collections: 100% kept a 10,000-send run at 192 MB (273 MB by default) for the same CPU,
 * and the api's growth over the ten uploads at 81 MB for the same intake time; 25% held the worker at 164 MB but
 * doubled its CPU per send. The flag is read at every collection, so setting it at run time works.
 */
function boundHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * The embedded simulator pushes its events (customer messages, contact changes) to this very process, unless
 * SIMULATOR_WEBHOOK_URL says otherwise, so replies and STOPs reach Threadline with `npm start` alone.
 */
function withOwnWebhook(config: AppConfig): AppConfig {
  if (config.simulator.webhookUrl || !config.app.runsApi || config.app.port === 0) return config;
  const webhookUrl = `http://127.0.0.1:${config.app.port}/webhooks/cxone/default`;
  const copy = Object.create(Object.getPrototypeOf(config) as object) as AppConfig;
  return Object.assign(copy, config, { simulator: { ...config.simulator, webhookUrl } });
}

/**
 * SIGTERM/SIGINT: turn new requests away and report not-ready, let workers finish their active jobs (or hand them
 * back to the queue), close HTTP, then pools. A second signal or the deadline forces the exit.
 */
function installShutdown(app: NestFastifyApplication, config: AppConfig, simulator?: NestFastifyApplication): void {
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
    closeConnectionsAsTheyGoIdle(app);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${config.app.shutdownTimeoutMs} ms: exiting`);
      process.exit(1);
    }, config.app.shutdownTimeoutMs).unref();
    app
      .close()
      .then(() => simulator?.close())
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

/**
 * Closing the HTTP server drops the connections idle at that moment; one still busy (e.g. reading and dropping the
 * rest of an upload refused early) would keep it open until the deadline once it goes idle. Until the process exits,
 * idle connections are closed as they appear.
 */
function closeConnectionsAsTheyGoIdle(app: NestFastifyApplication): void {
  const server = app.getHttpServer();
  setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS).unref();
}

main().catch((err: unknown) => {
  console.error(`Threadline failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
