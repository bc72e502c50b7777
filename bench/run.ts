/**
 * `npm run bench`: runs every benchmark in one go (or `-- --only limiter,…`), prints a table per benchmark and
 * merges the numbers into bench/results.json. Uses DATABASE_URL / REDIS_URL like the application.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { AppConfig } from '@/config';
import { limiterBenchmark } from './limiter.bench';

const BENCHMARKS: Record<string, (config: AppConfig) => Promise<void>> = {
  limiter: limiterBenchmark,
};

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const selected = values.only ? values.only.split(',') : Object.keys(BENCHMARKS);
  const unknown = selected.filter((name) => !BENCHMARKS[name]);
  if (unknown.length)
    throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const config = AppConfig.load();
  const started = Date.now();
  for (const name of selected) await BENCHMARKS[name](config);
  console.log(`\nresults written to bench/results.json (${Math.round((Date.now() - started) / 1000)} s)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
