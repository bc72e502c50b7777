// Builds (nest build) only when dist/ is missing or older than what it is built from, so `npm run start:sim` starts
// in a second when nothing changed instead of recompiling everything. Runs as `prestart:sim`.
//   --check        only report: exit 0 when dist is current, 1 when a build is needed
//   --root <dir>   the checkout to look at (default: this one)
// A source counts as changed when its modification time is newer than the oldest built entry point (git checkout,
// an edit or `npm ci` regenerating the Prisma client all update it); a deleted file updates its directory's time.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { parseArgs } = require('node:util');

/** What the build reads (tsconfig.build.json compiles src, bench and scripts) and the entry points it writes. */
const INPUTS = [
  'src',
  'bench',
  'scripts',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  'package.json',
  'package-lock.json',
];
const OUTPUTS = [
  'dist/src/main.js',
  'dist/src/simulator/main.js',
  'dist/src/cli/db-migrate.js',
  'dist/src/cli/threadline.js',
];

function newestTime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestTime(join(path, entry)));
  return newest;
}

/** Why a build is needed, or undefined when dist is current. */
function staleReason(root) {
  const missing = OUTPUTS.find((output) => !existsSync(join(root, output)));
  if (missing) return `${missing} is missing`;
  const builtAt = Math.min(...OUTPUTS.map((output) => statSync(join(root, output)).mtimeMs));
  const changed = INPUTS.find((input) => newestTime(join(root, input)) > builtAt);
  return changed ? `${changed} changed since the last build` : undefined;
}

const { values } = parseArgs({ options: { check: { type: 'boolean' }, root: { type: 'string' } } });
const root = resolve(values.root ?? join(__dirname, '..'));
const reason = staleReason(root);
if (!reason) {
  console.error('dist is up to date: starting without a rebuild');
  process.exit(0);
}
if (values.check) {
  console.error(`a build is needed: ${reason}`);
  process.exit(1);
}
console.error(`building (${reason})`);
const nest = require.resolve('@nestjs/cli/bin/nest.js', { paths: [root] });
const result = spawnSync(process.execPath, [nest, 'build'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
