// Prisma CLI configuration (prisma generate / prisma migrate deploy). The application itself reads DATABASE_URL
// through src/config; this file only serves the CLI.
import { defineConfig } from 'prisma/config';
import { DEFAULT_DATABASE_URL } from './src/config/defaults';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL },
});
