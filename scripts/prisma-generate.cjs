// Generates the Prisma client (src/infra/prisma/generated). `prisma generate` does not need Prisma's native schema
// engine but tries to download it, which fails offline; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file
// skips the download. Runs on `npm ci` (postinstall).
const { spawnSync } = require('node:child_process');

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const result = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
