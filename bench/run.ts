/**
 * `npm run bench`: runs every benchmark in one go (or `-- --only limiter,intake,…`), prints a table per benchmark and
 * merges the numbers into bench/results.json. Uses DATABASE_URL / REDIS_URL like the application (a scratch
 * database and Redis prefix, removed afterwards).
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { AppConfig } from '@/config';
import { intakeLoopBenchmark } from './intake-loop.bench';
import { limiterBenchmark } from './limiter.bench';
import { pipelineBenchmarks } from './pipeline.bench';

const PIPELINE = ['intake', 'adherence', 'retries', 'headroom', 'memory'];
const ALL = ['limiter', ...PIPELINE, 'intake-loop'];

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const selected = new Set(values.only ? values.only.split(',').map((s) => s.trim()) : ALL);
  const unknown = [...selected].filter((name) => !ALL.includes(name));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  const config = AppConfig.load();
  const started = Date.now();
  if (selected.has('limiter')) await limiterBenchmark(config);
  if (PIPELINE.some((name) => selected.has(name))) await pipelineBenchmarks(config, selected);
  if (selected.has('intake-loop')) await intakeLoopBenchmark(config);
  console.log(`\nresults written to bench/results.json (${Math.round((Date.now() - started) / 1000)} s)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
