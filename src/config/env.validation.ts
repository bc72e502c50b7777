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
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import {
  accountSettingsProblems,
  DEFAULT_DFO_BASE_TEMPLATE,
  DEFAULT_RATE_LIMIT_PER_SECOND,
} from './cxone-account-settings';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './defaults';

/** `host:port` seed nodes separated by commas; hosts are names or IPv4 addresses. */
const CLUSTER_NODES_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/;

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

  /** Seed nodes of a Redis Cluster (`host:port,host:port`); when set, every Redis connection is a cluster client. */
  @IsOptional()
  @Matches(CLUSTER_NODES_PATTERN, {
    message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port (e.g. redis-a:6379,redis-b:6379)',
  })
  REDIS_CLUSTER_NODES?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'API_BOOTSTRAP_KEY must be at least 32 characters long' })
  API_BOOTSTRAP_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters long' })
  METRICS_TOKEN?: string;

  @Type(() => Number)
  @IsInt({ message: 'AUTH_FAILURE_LIMIT must be a whole number (0 turns the throttle off)' })
  @Min(0)
  @Max(100000)
  AUTH_FAILURE_LIMIT = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  AUTH_FAILURE_WINDOW_SECONDS = 60;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'METRICS_PORT must be a port number (0: any free port)' })
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number;

  @IsString()
  METRICS_HOST = '127.0.0.1';

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

  /** How far (percent) V8 lets the heap grow past what the last full GC kept, in every role; 0: V8's own choice. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(400)
  HEAP_GROWING_PERCENT = 100;

  // ── CXone tenant (the default account). Unset CXONE_CLIENT_ID = no tenant: the built-in simulator is used. ──

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'CXONE_ISSUER_URL must be an http(s) URL' })
  CXONE_ISSUER_URL?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'CXONE_API_BASE_URL must be an http(s) URL' })
  CXONE_API_BASE_URL?: string;

  @Matches(/\{(api_endpoint|area|domain)\}/, {
    message: 'CXONE_DFO_BASE_TEMPLATE must contain {area} and {domain} or {api_endpoint}',
  })
  CXONE_DFO_BASE_TEMPLATE = DEFAULT_DFO_BASE_TEMPLATE;

  @IsIn(['password', 'client_credentials'], { message: 'CXONE_AUTH_MODE must be password or client_credentials' })
  CXONE_AUTH_MODE: 'password' | 'client_credentials' = 'password';

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'CXONE_TOKEN_URL must be an http(s) URL' })
  CXONE_TOKEN_URL?: string;

  @IsOptional()
  @IsString()
  CXONE_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  CXONE_CLIENT_SECRET?: string;

  @IsOptional()
  @IsString()
  CXONE_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  CXONE_ACCESS_KEY_SECRET?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  CXONE_RATE_LIMIT_PER_SECOND = DEFAULT_RATE_LIMIT_PER_SECOND;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120000)
  CXONE_TIMEOUT_MS = 10000;

  @IsIn(['recipients', 'endUserRecipients'], {
    message: 'CXONE_OUTBOUND_RECIPIENTS_FIELD must be recipients or endUserRecipients',
  })
  CXONE_OUTBOUND_RECIPIENTS_FIELD: 'recipients' | 'endUserRecipients' = 'recipients';

  @Transform(toBoolean)
  @IsBoolean({ message: 'CXONE_SEND_MESSAGE_ID must be true or false' })
  CXONE_SEND_MESSAGE_ID = true;

  // ── the CXone simulator ──

  @IsIn(['auto', 'true', 'false'], { message: 'SIMULATOR_EMBEDDED must be one of: auto, true, false' })
  SIMULATOR_EMBEDDED: 'auto' | 'true' | 'false' = 'auto';

  @IsString()
  SIMULATOR_HOST = '127.0.0.1';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  SIMULATOR_PORT = 4010;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'SIMULATOR_URL must be an http(s) URL' })
  SIMULATOR_URL?: string;

  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'SIMULATOR_TENANT_ID must be 1-64 characters of A-Z, a-z, 0-9, _ or -' })
  SIMULATOR_TENANT_ID = 'threadline-dev-tenant';

  @IsString()
  SIMULATOR_CLIENT_ID = 'threadline-dev';

  @IsString()
  SIMULATOR_CLIENT_SECRET = 'threadline-dev-secret';

  @IsString()
  SIMULATOR_ACCESS_KEY_ID = 'threadline-dev-access-key';

  @IsString()
  SIMULATOR_ACCESS_KEY_SECRET = 'threadline-dev-access-secret';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  SIMULATOR_TOKEN_TTL_SECONDS = 3600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  SIMULATOR_OUTBOUND_RATE_PER_SECOND = 40;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60000)
  SIMULATOR_LATENCY_MS = 0;

  @IsIn(['seconds', 'http-date'], { message: 'SIMULATOR_RETRY_AFTER_FORMAT must be seconds or http-date' })
  SIMULATOR_RETRY_AFTER_FORMAT: 'seconds' | 'http-date' = 'seconds';

  @Transform(toBoolean)
  @IsBoolean({ message: 'SIMULATOR_DEDUPE_MESSAGES must be true or false' })
  SIMULATOR_DEDUPE_MESSAGES = true;

  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'] },
    { message: 'SIMULATOR_MIDDLEWARE_URL must be an http(s) URL' },
  )
  SIMULATOR_MIDDLEWARE_URL = 'http://127.0.0.1:3000/integration/box';

  @IsString()
  SIMULATOR_MIDDLEWARE_CLIENT_ID = 'cxone-simulator';

  @IsString()
  SIMULATOR_MIDDLEWARE_CLIENT_SECRET = 'cxone-simulator-secret';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'SIMULATOR_CONTROL_TOKEN must be at least 16 characters long' })
  SIMULATOR_CONTROL_TOKEN?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(120000)
  SIMULATOR_ARRIVAL_JITTER_MS = 0;

  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'] },
    { message: 'SIMULATOR_WEBHOOK_URL must be an http(s) URL' },
  )
  SIMULATOR_WEBHOOK_URL?: string;

  @IsString()
  SIMULATOR_WEBHOOK_SECRET = 'threadline-dev-webhook-secret';

  @IsIn(['hmac', 'bearer'], { message: 'SIMULATOR_WEBHOOK_AUTH must be hmac or bearer' })
  SIMULATOR_WEBHOOK_AUTH: 'hmac' | 'bearer' = 'hmac';

  @Transform(toBoolean)
  @IsBoolean({ message: 'SIMULATOR_NATIVE_OPT_OUT must be true or false' })
  SIMULATOR_NATIVE_OPT_OUT = true;

  @Type(() => Number)
  @IsIn([400, 403, 422], { message: 'SIMULATOR_OPT_OUT_REFUSAL_STATUS must be 400, 403 or 422' })
  SIMULATOR_OPT_OUT_REFUSAL_STATUS: 400 | 403 | 422 = 400;

  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, {
    message: 'SIMULATOR_OPT_OUT_ERROR_CODE must be 1-64 characters of A-Z, a-z, 0-9, _, . or -',
  })
  SIMULATOR_OPT_OUT_ERROR_CODE = 'RecipientOptedOut';

  @IsIn(['asc', 'desc'], { message: 'SIMULATOR_CONTACT_MESSAGES_ORDER must be asc or desc' })
  SIMULATOR_CONTACT_MESSAGES_ORDER: 'asc' | 'desc' = 'asc';

  @Transform(toBoolean)
  @IsBoolean({ message: 'SIMULATOR_RECIPIENT_VALIDATION must be true or false' })
  SIMULATOR_RECIPIENT_VALIDATION = true;

  @Transform(toBoolean)
  @IsBoolean({ message: 'SIMULATOR_USE_DFO3_OUTBOUND must be true or false' })
  SIMULATOR_USE_DFO3_OUTBOUND = true;

  // ── proactive dispatch ──

  @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$/, {
    message: 'CREDENTIALS_ENCRYPTION_KEY must be 32 bytes, as base64 (44 characters) or hex (64 characters)',
  })
  CREDENTIALS_ENCRYPTION_KEY?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  DISPATCH_CONCURRENCY = 50;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  DISPATCH_BATCH_SIZE = 10;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  DISPATCH_MAX_ATTEMPTS = 8;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60000)
  DISPATCH_RETRY_BASE_MS = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(10000)
  @Max(3600000)
  DISPATCH_STALL_AFTER_MS = 120000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  DISPATCH_MAX_RATE_LIMITED = 20;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  RATE_LIMIT_MARGIN_MS = 20;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10000)
  RATE_LIMIT_MARGIN_MAX_MS = 250;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  RATE_LIMIT_MARGIN_WIDEN_MS = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600000)
  RATE_LIMIT_MARGIN_REPEAT_MS = 10000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  RATE_LIMIT_MARGIN_NARROW_MS = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(3600000)
  RATE_LIMIT_MARGIN_QUIET_MS = 30000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86400000)
  RATE_LIMIT_MARGIN_MEMORY_MS = 600000;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600000)
  SWEEPER_INTERVAL_MS = 15000;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600000)
  DISPATCH_LOCK_DURATION_MS = 30000;

  // ── the proactive loop ──

  @Type(() => Number)
  @IsInt()
  @Min(500)
  @Max(3600000)
  AUTO_CLOSE_INTERVAL_MS = 30000;

  @IsIn(['resolved', 'closed'], { message: 'AUTO_CLOSE_CONTACT_STATUS must be one of: resolved, closed' })
  AUTO_CLOSE_CONTACT_STATUS: 'resolved' | 'closed' = 'resolved';

  // ── BYOC middleware and the chat widget ──

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'PUBLIC_URL must be an http(s) URL' })
  PUBLIC_URL = 'http://localhost:3000';

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'WIDGET_SESSION_SECRET must be at least 32 characters long' })
  WIDGET_SESSION_SECRET?: string;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(30 * 86400)
  WIDGET_SESSION_TTL_SECONDS = 86400;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  WIDGET_POSTS_PER_MINUTE = 30;

  @Type(() => Number)
  @IsInt()
  @Min(30)
  @Max(86400)
  BYOC_TOKEN_TTL_SECONDS = 3600;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  BYOC_SECRET_GRACE_SECONDS = 86400;

  @IsOptional()
  @IsString()
  @Matches(/^[^\s]{1,200}$/, { message: 'BYOC_INTEGRATION_ID must be 1-200 characters without spaces' })
  BYOC_INTEGRATION_ID?: string;

  @Matches(/^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$/, {
    message: 'BYOC_ACTION_BACK_URL_HOSTS must be a comma-separated list of host names or domains',
  })
  BYOC_ACTION_BACK_URL_HOSTS = 'niceincontact.com,nice-incontact.com,nicecxone.com,nicecxone-gov.com';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600)
  BYOC_REPLY_DEDUPE_SECONDS = 15;

  @Type(() => Number)
  @IsInt()
  @Min(5000)
  @Max(3600000)
  BYOC_STATUS_POLL_MS = 30000;

  // ── reconciliation: reading open proactive threads' messages back from CXone ──

  @Transform(toBoolean)
  @IsBoolean({ message: 'RECONCILE_ENABLED must be true or false' })
  RECONCILE_ENABLED = true;

  @Type(() => Number)
  @IsInt()
  @Min(200)
  @Max(60000)
  RECONCILE_INTERVAL_MS = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(15)
  RECONCILE_READS_PER_SECOND = 12;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3600000)
  RECONCILE_MIN_DELAY_MS = 10000;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(86400000)
  RECONCILE_MAX_DELAY_MS = 3600000;

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

/** Variables that were renamed: a deployment still setting the old name is told so instead of silently ignored. */
const RENAMED_VARIABLES: Record<string, { to: string; why: string }> = {
  WORKER_HEAP_GROWING_PERCENT: { to: 'HEAP_GROWING_PERCENT', why: 'it now applies to every role' },
};

/** Parses and validates the environment once; throws ConfigError naming every bad variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    // An empty value means "not set", so `PORT=` in a .env file falls back to the default.
    if (value !== undefined && value.trim() !== '') present[key] = value.trim();
  }
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const problems = validateSync(env).map((e) => {
    const messages = Object.values(e.constraints ?? {}).join('; ');
    const got = present[e.property];
    return got === undefined ? messages : `${messages} (got "${redactIfSecret(e.property, got)}")`;
  });
  problems.push(...crossFieldProblems(env));
  for (const [old, { to, why }] of Object.entries(RENAMED_VARIABLES)) {
    if (present[old] !== undefined) problems.push(`${old} was renamed ${to} (${why}); set ${to} instead`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
}

/** The seed nodes of REDIS_CLUSTER_NODES (already matched against its pattern); empty when it is not set. */
export function parseClusterNodes(value: string | undefined): Array<{ host: string; port: number }> {
  if (!value) return [];
  return value.split(',').map((node) => {
    const colon = node.lastIndexOf(':');
    return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
  });
}

/** Rules between variables: a configured CXone tenant needs all of its credentials. */
function crossFieldProblems(env: EnvironmentVariables): string[] {
  const problems: string[] = [];
  const tenantVariables = [
    'CXONE_ISSUER_URL',
    'CXONE_API_BASE_URL',
    'CXONE_CLIENT_SECRET',
    'CXONE_ACCESS_KEY_ID',
    'CXONE_ACCESS_KEY_SECRET',
  ] as const;
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    problems.push(`METRICS_PORT must differ from PORT (both ${env.PORT}); unset it to serve /metrics on PORT`);
  }
  if (env.NODE_ENV === 'production' && !env.WIDGET_SESSION_SECRET) {
    problems.push('WIDGET_SESSION_SECRET is required when NODE_ENV=production (32+ random characters)');
  }
  if (env.NODE_ENV === 'production' && !env.CREDENTIALS_ENCRYPTION_KEY) {
    problems.push('CREDENTIALS_ENCRYPTION_KEY is required when NODE_ENV=production (32 random bytes, base64 or hex)');
  }
  const badPorts = parseClusterNodes(env.REDIS_CLUSTER_NODES).filter((n) => n.port < 1 || n.port > 65535);
  if (badPorts.length > 0) {
    problems.push(
      `REDIS_CLUSTER_NODES ports must be 1-65535 (got ${badPorts.map((n) => `${n.host}:${n.port}`).join(', ')})`,
    );
  }
  if (env.RECONCILE_MIN_DELAY_MS > env.RECONCILE_MAX_DELAY_MS) {
    problems.push(
      `RECONCILE_MIN_DELAY_MS (${env.RECONCILE_MIN_DELAY_MS}) must not exceed RECONCILE_MAX_DELAY_MS (${env.RECONCILE_MAX_DELAY_MS})`,
    );
  }
  if (env.RATE_LIMIT_MARGIN_MAX_MS < env.RATE_LIMIT_MARGIN_MS) {
    problems.push(
      `RATE_LIMIT_MARGIN_MAX_MS (${env.RATE_LIMIT_MARGIN_MAX_MS}) must not be below RATE_LIMIT_MARGIN_MS (${env.RATE_LIMIT_MARGIN_MS}); set them equal to keep the margin fixed`,
    );
  }
  if (!env.CXONE_CLIENT_ID) {
    const stray = tenantVariables.filter((name) => env[name]);
    if (stray.length > 0)
      problems.push(`${stray.join(', ')} set without CXONE_CLIENT_ID (set it to use a CXone tenant)`);
    return problems;
  }
  if (!env.CXONE_CLIENT_SECRET) problems.push('CXONE_CLIENT_SECRET is required when CXONE_CLIENT_ID is set');
  problems.push(
    ...accountSettingsProblems(
      {
        name: 'default',
        authMode: env.CXONE_AUTH_MODE === 'password' ? 'PASSWORD' : 'CLIENT_CREDENTIALS',
        issuerUrl: env.CXONE_ISSUER_URL ?? null,
        apiBaseUrl: env.CXONE_API_BASE_URL ?? null,
        tokenUrl: env.CXONE_TOKEN_URL ?? null,
        dfoBaseTemplate: env.CXONE_DFO_BASE_TEMPLATE,
        clientId: env.CXONE_CLIENT_ID,
        clientSecret: env.CXONE_CLIENT_SECRET ?? '',
        accessKeyId: env.CXONE_ACCESS_KEY_ID ?? null,
        accessKeySecret: env.CXONE_ACCESS_KEY_SECRET ?? null,
        rateLimitPerSecond: env.CXONE_RATE_LIMIT_PER_SECOND,
      },
      {
        issuerUrl: 'CXONE_ISSUER_URL',
        apiBaseUrl: 'CXONE_API_BASE_URL',
        tokenUrl: 'CXONE_TOKEN_URL',
        accessKeyId: 'CXONE_ACCESS_KEY_ID',
        accessKeySecret: 'CXONE_ACCESS_KEY_SECRET',
      },
    ),
  );
  return problems;
}

/** The names of every variable EnvironmentVariables declares (used to keep .env.example complete). */
export function environmentVariableNames(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

function redactIfSecret(name: string, value: string): string {
  return /KEY|TOKEN|SECRET|PASSWORD/.test(name) ? '***' : value;
}
