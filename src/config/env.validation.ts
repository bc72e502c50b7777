import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  getMetadataStorage,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './defaults';

export enum AppRole {
  Api = 'api',
  Worker = 'worker',
  All = 'all',
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

/**
 * Every environment variable Threadline reads, with its default. `.env.example` documents each one; a unit test keeps
 * the two in step. Nothing outside src/config reads process.env.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsEnum(AppRole, { message: 'APP_ROLE must be one of: api, worker, all' })
  APP_ROLE: AppRole = AppRole.All;

  @IsString()
  HOST = '0.0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgresql:// URL' })
  DATABASE_URL = DEFAULT_DATABASE_URL;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_MAX = 10;

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = DEFAULT_REDIS_URL;

  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'QUEUE_PREFIX must be 1-32 characters of A-Z, a-z, 0-9, _ or -' })
  QUEUE_PREFIX = 'threadline';

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'API_BOOTSTRAP_KEY must be at least 32 characters long' })
  API_BOOTSTRAP_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters long' })
  METRICS_TOKEN?: string;

  @Transform(toBoolean)
  @IsBoolean({ message: 'DOCS_ENABLED must be true or false' })
  DOCS_ENABLED = true;

  @Transform(toBoolean)
  @IsBoolean({ message: 'TRUST_PROXY must be true or false' })
  TRUST_PROXY = false;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600000)
  SHUTDOWN_TIMEOUT_MS = 25000;

  @IsIn(['auto', 'prisma', 'builtin'], { message: 'MIGRATION_ENGINE must be one of: auto, prisma, builtin' })
  MIGRATION_ENGINE: 'auto' | 'prisma' | 'builtin' = 'auto';

  @IsOptional()
  @IsString()
  PRISMA_SCHEMA_ENGINE_BINARY?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and validates the environment once; throws ConfigError naming every bad variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    // An empty value means "not set", so `PORT=` in a .env file falls back to the default.
    if (value !== undefined && value.trim() !== '') present[key] = value.trim();
  }
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const errors = validateSync(env);
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => {
        const messages = Object.values(e.constraints ?? {}).join('; ');
        const got = present[e.property];
        return got === undefined ? messages : `${messages} (got "${redactIfSecret(e.property, got)}")`;
      }),
    );
  }
  return env;
}

/** The names of every variable EnvironmentVariables declares (used to keep .env.example complete). */
export function environmentVariableNames(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

function redactIfSecret(name: string, value: string): string {
  return /KEY|TOKEN|SECRET|PASSWORD/.test(name) ? '***' : value;
}
