/**
 * `npm run bench`: runs every benchmark in one go (or `-- --only limiter,intake,…`), prints a table per benchmark and
 * merges the numbers into bench/results.json. `--byoc-rate` and `--byoc-seconds` change the byoc benchmark's offered
 * load (default 500/s for 20 s); `--loop-scale` the loop benchmark's time compression (default 10). Uses DATABASE_URL / REDIS_URL like the application (a scratch database and Redis
 * prefix, removed afterwards).
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { AppConfig } from '@/config';
import { BYOC_DEFAULTS, byocBenchmark } from './byoc.bench';
import { clusterBenchmarks } from './cluster.bench';
import { intakeLoopBenchmark } from './intake-loop.bench';
import { jitterBenchmark } from './jitter.bench';
import { limiterBenchmark } from './limiter.bench';
import { LOOP_DEFAULTS, loopBenchmark } from './loop.bench';
import { pipelineBenchmarks } from './pipeline.bench';
import { scaleBenchmark } from './scale.bench';

const PIPELINE = ['intake', 'adherence', 'retries', 'headroom', 'memory'];
const ALL = ['limiter', ...PIPELINE, 'jitter', 'intake-loop', 'byoc', 'loop', 'cluster', 'scale'];

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'byoc-rate': { type: 'string' },
      'byoc-seconds': { type: 'string' },
      'loop-scale': { type: 'string' },
    },
  });
  const selected = new Set(values.only ? values.only.split(',').map((s) => s.trim()) : ALL);
  const unknown = [...selected].filter((name) => !ALL.includes(name));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  const config = AppConfig.load();
  const started = Date.now();
  if (selected.has('limiter')) await limiterBenchmark(config);
  if (PIPELINE.some((name) => selected.has(name))) await pipelineBenchmarks(config, selected);
  if (selected.has('jitter')) await jitterBenchmark(config);
  if (selected.has('intake-loop')) await intakeLoopBenchmark(config);
  if (selected.has('byoc')) {
    await byocBenchmark(config, {
      rate: positive(values['byoc-rate'], '--byoc-rate') ?? BYOC_DEFAULTS.rate,
      seconds: positive(values['byoc-seconds'], '--byoc-seconds') ?? BYOC_DEFAULTS.seconds,
    });
  }
  if (selected.has('loop')) {
    await loopBenchmark(config, {
      timeScale: positive(values['loop-scale'], '--loop-scale') ?? LOOP_DEFAULTS.timeScale,
    });
  }
  if (selected.has('cluster')) await clusterBenchmarks(config);
  if (selected.has('scale')) await scaleBenchmark(config);
  console.log(`\nresults written to bench/results.json (${Math.round((Date.now() - started) / 1000)} s)`);
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, not ${value}`);
  return n;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
