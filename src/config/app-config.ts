import { AppRole, EnvironmentVariables, LogLevel, validateEnvironment } from './env.validation';

/**
 * Typed, validated configuration, built once at boot from the environment. Inject it by class:
 * `constructor(private readonly config: AppConfig)`. This folder is the only code that reads process.env.
 */
export class AppConfig {
  readonly app: {
    env: 'development' | 'production' | 'test';
    role: AppRole;
    /** This process serves the HTTP API (admin, BYOC, widget routes). */
    runsApi: boolean;
    /** This process runs queue workers, schedulers and sweepers. */
    runsWorker: boolean;
    host: string;
    port: number;
    docsEnabled: boolean;
    trustProxy: boolean;
    shutdownTimeoutMs: number;
  };
  readonly log: { level: LogLevel };
  readonly database: {
    url: string;
    poolMax: number;
    migrationEngine: 'auto' | 'prisma' | 'builtin';
    prismaSchemaEngineBinary: string | undefined;
  };
  readonly redis: { url: string; prefix: string };
  readonly auth: { bootstrapKey: string | undefined };
  readonly metrics: { token: string | undefined };

  constructor(env: EnvironmentVariables) {
    this.app = {
      env: env.NODE_ENV,
      role: env.APP_ROLE,
      runsApi: env.APP_ROLE !== AppRole.Worker,
      runsWorker: env.APP_ROLE !== AppRole.Api,
      host: env.HOST,
      port: env.PORT,
      docsEnabled: env.DOCS_ENABLED,
      trustProxy: env.TRUST_PROXY,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    };
    this.log = { level: env.LOG_LEVEL };
    this.database = {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      migrationEngine: env.MIGRATION_ENGINE,
      prismaSchemaEngineBinary: env.PRISMA_SCHEMA_ENGINE_BINARY,
    };
    this.redis = { url: env.REDIS_URL, prefix: env.QUEUE_PREFIX };
    this.auth = { bootstrapKey: env.API_BOOTSTRAP_KEY };
    this.metrics = { token: env.METRICS_TOKEN };
  }

  /** Validates `source` (process.env by default) and returns the config; throws ConfigError naming bad variables. */
  static load(
    source: Record<string, string | undefined> = process.env,
    overrides: Record<string, string> = {},
  ): AppConfig {
    return new AppConfig(validateEnvironment({ ...source, ...overrides }));
  }
}
