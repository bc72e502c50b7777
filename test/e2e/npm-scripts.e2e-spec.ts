import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTestDatabase, TestDatabase } from '@test/helpers/database';
import { compiled, ROOT, RunningProcess } from '@test/helpers/process';

const BUILD_IF_STALE = join(ROOT, 'scripts', 'build-if-stale.cjs');

/** Runs `build-if-stale --check` against `root`: exit 0 when dist is current, 1 when a build is needed. */
function check(root: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [BUILD_IF_STALE, '--check', '--root', root], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function write(root: string, file: string, at: Date): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), '');
  utimesSync(join(root, file), at, at);
}

describe('scripts/build-if-stale.cjs (prestart:sim)', () => {
  let root: string;
  const sourceTime = new Date('2026-01-01T00:00:00Z');
  const buildTime = new Date('2026-01-02T00:00:00Z');
  const entryPoints = ['main.js', 'simulator/main.js', 'cli/db-migrate.js', 'cli/threadline.js'];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'threadline-build-'));
    write(root, 'src/main.ts', sourceTime);
    write(root, 'package.json', sourceTime);
    utimesSync(join(root, 'src'), sourceTime, sourceTime);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('asks for a build on a fresh clone (no dist)', () => {
    expect(check(root)).toEqual({
      status: 1,
      output: expect.stringContaining('dist/src/main.js is missing') as string,
    });
  });

  it('skips the build when dist is newer than every source', () => {
    for (const file of entryPoints) write(root, `dist/src/${file}`, buildTime);
    expect(check(root)).toEqual({ status: 0, output: expect.stringContaining('up to date') as string });
  });

  it('asks for a build when a source changed after the last build', () => {
    for (const file of entryPoints) write(root, `dist/src/${file}`, buildTime);
    write(root, 'src/modules/new.ts', new Date('2026-01-03T00:00:00Z'));
    expect(check(root)).toEqual({ status: 1, output: expect.stringContaining('src changed since') as string });
  });
});

describe('npm run start:sim', () => {
  it('starts the built simulator without rebuilding when dist is current', async () => {
    // A stale dist would be rebuilt (deleted first) under the other e2e files: refuse instead.
    expect(check(ROOT)).toMatchObject({ status: 0 });
    const builtAt = statSync(compiled('src/simulator/main.js')).mtimeMs;
    const child = spawn('npm', ['run', 'start:sim'], {
      cwd: ROOT,
      env: { ...process.env, SIMULATOR_HOST: '127.0.0.1', SIMULATOR_PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so npm, its shell and node stop together
    });
    const proc = new RunningProcess(child);
    try {
      await proc.waitFor(/CXone simulator listening on/, 20_000);
      expect(proc.output()).toContain('up to date');
      expect(statSync(compiled('src/simulator/main.js')).mtimeMs).toBe(builtAt);
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await proc.exited;
    }
  });
});

describe('the README commands that create an API key', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const commands = [
    ...new Set([...readme.matchAll(/npm run [^|#)\n]*cli -- api-key create [^|#)\n]+/g)].map((m) => m[0].trim())),
  ];

  it('are documented', () => {
    expect(commands.length).toBeGreaterThan(0);
  });

  it.each(commands)('`%s` prints only the new key as JSON on stdout (so `| jq` works)', async (command) => {
    const child = spawn('sh', ['-c', command], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^\{/) as string });
    expect(JSON.parse(stdout)).toMatchObject({ key: expect.stringMatching(/^tl_/) as string, scopes: ['admin'] });
  });
});
