/**
 * Operator commands, run next to the database (`npm run --silent cli -- <command>`: --silent keeps npm's banner off
 * stdout, which then holds only JSON; or `node dist/src/cli/threadline.js` in the image):
 *
 *   api-key create --name <name> --scopes <scope,scope> [--expires-at <ISO date>]   prints the new key once
 *   api-key list
 *   api-key revoke <id>
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

const USAGE = `usage:
  api-key create --name <name> --scopes <scope,scope> [--expires-at <ISO date>]
  api-key list
  api-key revoke <id>
scopes: ${SCOPES.join(', ')}`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
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

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(
    err instanceof ConfigError ? err.message : `failed: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
