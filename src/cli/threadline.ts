/**
 * Operator commands, run next to the database (`npm run --silent cli -- <command>`: --silent keeps npm's banner off
 * stdout, which then holds only JSON; or `node dist/src/cli/threadline.js` in the image):
 *
 *   api-key create --name <name> --scopes <scope,scope> [--expires-at <ISO date>]   prints the new key once
 *   api-key list
 *   api-key revoke <id>
 *   campaign watch <id> [--url <base URL>] [--key <admin API key>]   a live progress bar until the campaign ends
 *
 * `campaign watch` goes through the admin API (so it works against a remote service): the base URL comes from --url
 * or THREADLINE_URL (default http://localhost:3000), the key (scope campaigns:read) from --key or THREADLINE_API_KEY.
 * It exits 0 when the campaign completes, 3 when it was cancelled, 1 on an error (the API's message on stderr).
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseArgs } from 'node:util';
import { AppConfig, ConfigError } from '@/config';
import { PrismaService } from '@/infra/prisma/prisma.service';
import { ApiKeysRepository } from '@/modules/auth/api-keys.repository';
import { ApiKeysService, OPERATOR } from '@/modules/auth/api-keys.service';
import { CreateApiKeyDto } from '@/modules/auth/dto/api-key.dto';
import { SCOPES } from '@/infra/auth/scopes';
import { watchCampaign, WatchError } from './campaign-watch';

const USAGE = `usage:
  api-key create --name <name> --scopes <scope,scope> [--expires-at <ISO date>]
  api-key list
  api-key revoke <id>
  campaign watch <id> [--url <base URL>] [--key <admin API key>]
      (or THREADLINE_URL, default http://localhost:3000, and THREADLINE_API_KEY)
scopes: ${SCOPES.join(', ')}`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'campaign') return campaign(argv.slice(1));
  Logger.overrideLogger(['error']);
  const config = AppConfig.load();
  // Wired by hand, not through a Nest context: `npm run cli` runs the TypeScript through tsx (esbuild), which emits
  // no decorator metadata, so Nest's constructor injection cannot work there. Only the database is needed.
  const prisma = new PrismaService(config);
  const apiKeys = new ApiKeysService(new ApiKeysRepository(prisma), config);
  try {
    const [group, command, ...rest] = argv;
    if (group !== 'api-key') throw new UsageError(`unknown command ${group ?? ''}`.trim());
    switch (command) {
      case 'create': {
        const { values } = parseArgs({
          args: rest,
          options: { name: { type: 'string' }, scopes: { type: 'string' }, 'expires-at': { type: 'string' } },
        });
        const dto = plainToInstance(CreateApiKeyDto, {
          name: values.name,
          scopes: values.scopes
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          expiresAt: values['expires-at'],
        });
        const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
        if (errors.length > 0) {
          throw new UsageError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
        }
        print(await apiKeys.create(dto, OPERATOR));
        return;
      }
      case 'list':
        print(await apiKeys.list());
        return;
      case 'revoke': {
        const id = rest[0];
        if (!id) throw new UsageError('revoke needs the key id');
        if (!(await apiKeys.revoke(id))) throw new UsageError(`no API key ${id}`);
        print({ revoked: id });
        return;
      }
      default:
        throw new UsageError(`unknown api-key command ${command ?? ''}`.trim());
    }
  } finally {
    await prisma.onApplicationShutdown();
  }
}

/** Commands that talk to a running service through its admin API, not to the database: no service config needed. */
async function campaign(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== 'watch') throw new UsageError(`unknown campaign command ${command ?? ''}`.trim());
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { url: { type: 'string' }, key: { type: 'string' } },
  });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('campaign watch needs one campaign id');
  // The client's own settings (where the service is, whose key), not the service's configuration.
  // eslint-disable-next-line no-restricted-properties
  const env = process.env;
  const apiKey = values.key ?? env.THREADLINE_API_KEY;
  if (!apiKey) throw new UsageError('campaign watch needs an admin API key: --key or THREADLINE_API_KEY');
  const baseUrl = values.url ?? env.THREADLINE_URL ?? 'http://localhost:3000';
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--url must be an http(s) URL, not ${baseUrl}`);
  const final = await watchCampaign({ baseUrl, apiKey, campaignId: id, out: process.stdout });
  process.stdout.write(
    `${final.name}: ${final.status}, ${final.counts.sent} of ${final.counts.total} sent, ${final.counts.failed} failed\n`,
  );
  if (final.status === 'CANCELLED') process.exitCode = 3;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof WatchError) {
    console.error(err.message);
    process.exit(1);
  }
  console.error(
    err instanceof ConfigError ? err.message : `failed: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
