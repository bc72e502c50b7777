import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '@/infra/project-root';

export const RESULTS_FILE = join(projectRoot(), 'bench', 'results.json');

/** Merges one benchmark's numbers into bench/results.json (one object per benchmark). */
export function recordResult(name: string, values: Record<string, number | string | null>): void {
  const current = existsSync(RESULTS_FILE)
    ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>)
    : {};
  current[name] = values;
  writeFileSync(RESULTS_FILE, `${JSON.stringify(current, null, 2)}\n`);
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  console.log(`\n${title}`);
  console.table(rows);
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
