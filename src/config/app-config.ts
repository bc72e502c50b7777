import { createHash } from 'node:crypto';
import { CxoneAccountSettings } from './cxone-account-settings';
import { AppRole, EnvironmentVariables, LogLevel, parseClusterNodes, validateEnvironment } from './env.validation';

export type { CxoneAccountSettings } from './cxone-account-settings';

/** The BYOC integration id of the simulator's seed chat channel. */
export const SIMULATOR_INTEGRATION_ID = 'threadline-byoc-dev';
/** The simulator's seed BYOC chat channel (CXone channel id). */
export const SIMULATOR_CHAT_CHANNEL_ID = 'chat_threadline_dev';

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
    /** V8's heap growing factor, in percent (0: V8's default); see main.ts. */
    heapGrowingPercent: number;
  };
  readonly log: { level: LogLevel };
  readonly database: {
    url: string;
    poolMax: number;
    migrationEngine: 'auto' | 'prisma' | 'builtin';
    prismaSchemaEngineBinary: string | undefined;
  };
  readonly redis: {
    url: string;
    prefix: string;
    /** Seed nodes of a Redis Cluster; undefined for a single Redis at `url`. */
    clusterNodes: Array<{ host: string; port: number }> | undefined;
  };
  readonly auth: {
    bootstrapKey: string | undefined;
    /**
     * Failed authentications one source address may make per window before it gets 429 (0: no throttle). The
     * window is fixed: it starts at the first failure and the count resets when it ends.
     */
    failureLimit: number;
    failureWindowSeconds: number;
  };
  readonly metrics: {
    token: string | undefined;
    /** When set, /metrics is served only by a separate HTTP server on host:port, not on the main port. */
    port: number | undefined;
    host: string;
  };
  readonly cxone: {
    /** A real tenant is configured (CXONE_CLIENT_ID); otherwise the default account is the simulator. */
    tenantConfigured: boolean;
    defaultAccount: CxoneAccountSettings;
    timeoutMs: number;
    /** Name of the recipients array in outbound bodies (disputed in public sources). */
    recipientsField: 'recipients' | 'endUserRecipients';
    /** Send a stable top-level idOnExternalPlatform with outbound messages [inferred]. */
    sendMessageId: boolean;
  };
  readonly dispatch: {
    /** 32-byte key for CXone credentials at rest (a fixed development key when unset outside production). */
    credentialsKey: Buffer;
    credentialsKeyIsDevelopmentDefault: boolean;
    concurrency: number;
    /** First tries queued together go out this many to a job (1: a job per recipient). */
    batchSize: number;
    maxAttempts: number;
    /** First retry after 0.5-1 × this; the ceiling doubles per attempt (capped at a minute). */
    retryBaseMs: number;
    /** A running campaign with work left and no recipient finished for this long is reported as stalled. */
    stallAfterMs: number;
    maxRateLimited: number;
    /** The rate limiter's margin on each one-second window: its floor, and how it adapts to 429s (AdaptiveMargin). */
    rateLimitMargin: {
      /** The configured margin: where the margin starts and the lowest it narrows to. */
      floorMs: number;
      /** The widest it gets. Equal to floorMs: a fixed margin. */
      maxMs: number;
      /** Added on a burst of 429s that follows the previous burst within repeatMs. */
      widenStepMs: number;
      /** Two bursts of 429s at most this far apart widen the margin; an isolated one only pauses. */
      repeatMs: number;
      /** Taken off after each quiet period. */
      narrowStepMs: number;
      /** How long without a 429 (and without a change) before the margin narrows one step. */
      quietMs: number;
      /** How long a margin that drew a 429 is not narrowed back into. */
      memoryMs: number;
    };
    sweeperIntervalMs: number;
    /** A send job whose worker stops renewing its lock (crash, SIGKILL) runs again elsewhere after about this long. */
    lockDurationMs: number;
  };
  /** Unanswered proactive threads resolved in CXone after their campaign's window (the proactive loop). */
  readonly autoClose: {
    /** How often due threads are looked for (the job scheduler's period). */
    intervalMs: number;
    /** The CXone contact status an unanswered alert's contact is given. */
    contactStatus: 'resolved' | 'closed';
  };
  readonly byoc: {
    publicUrl: string;
    /** HMAC key of widget session tokens (a fixed development key when unset outside production). */
    widgetSessionKey: Buffer;
    widgetSessionTtlSeconds: number;
    widgetPostsPerMinute: number;
    tokenTtlSeconds: number;
    secretGraceSeconds: number;
    /** The integration channels added through the action URLs belong to (null: none configured). */
    integrationId: string | null;
    /** Host names (or parent domains) the action URLs may redirect back to. */
    backUrlHosts: string[];
    replyDedupeSeconds: number;
    statusPollMs: number;
    /** With the simulator as tenant (not in production): its chat channel and middleware credentials exist at start. */
    seedDevelopmentChannel: boolean;
  };
  /** Reconciliation: open proactive threads' CXone messages read back, so replies arrive with no webhook too. */
  readonly reconcile: {
    enabled: boolean;
    /** How often a round starts (the job scheduler's period). */
    intervalMs: number;
    /** This service's share of the DFO contact-read budget for reconciliation, per CXone account. */
    readsPerSecond: number;
    /** The backoff between two reads of a thread: from minDelayMs (a fresh alert) growing with its age to maxDelayMs. */
    minDelayMs: number;
    maxDelayMs: number;
  };
  readonly simulator: {
    /** Run the simulator inside this process (npm start without a tenant). */
    embedded: boolean;
    host: string;
    port: number;
    /** Where Threadline reaches the simulator. */
    url: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    accessKeyId: string;
    accessKeySecret: string;
    tokenTtlSeconds: number;
    outboundRatePerSecond: number;
    latencyMs: number;
    retryAfterFormat: 'seconds' | 'http-date';
    dedupeMessages: boolean;
    /** The BYOC middleware the simulated CXone calls (token, agent replies, typing). */
    middlewareUrl: string;
    middlewareClientId: string;
    middlewareClientSecret: string;
    controlToken: string | undefined;
    /** Each CXone-facing request waits a uniform random 0..arrivalJitterMs before the simulator sees it. */
    arrivalJitterMs: number;
    /** Where the simulator pushes DFO events (unset: no pushes), and how it authenticates them. */
    webhookUrl: string | null;
    webhookSecret: string;
    webhookAuth: 'hmac' | 'bearer';
    /** CXone's own STOP handling on SMS channels [inferred], and how a refused outbound is answered. */
    nativeOptOut: boolean;
    optOutRefusalStatus: 400 | 403 | 422;
    optOutErrorCode: string;
    /** Default order of GET /contacts/{n}/messages (not documented publicly). */
    contactMessagesOrder: 'asc' | 'desc';
    /** The simulated agent validates recipients with the middleware before an agent-initiated outbound. */
    recipientValidation: boolean;
    /** BYOC replies go to /2.0/channel/{id}/outbound (true) or the legacy /1.0/posts/{id}/messages (false). */
    useDfo3Outbound: boolean;
  };

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
      heapGrowingPercent: env.HEAP_GROWING_PERCENT,
    };
    this.log = { level: env.LOG_LEVEL };
    this.database = {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      migrationEngine: env.MIGRATION_ENGINE,
      prismaSchemaEngineBinary: env.PRISMA_SCHEMA_ENGINE_BINARY,
    };
    const clusterNodes = parseClusterNodes(env.REDIS_CLUSTER_NODES);
    this.redis = {
      url: env.REDIS_URL,
      prefix: env.QUEUE_PREFIX,
      clusterNodes: clusterNodes.length > 0 ? clusterNodes : undefined,
    };
    this.auth = {
      bootstrapKey: env.API_BOOTSTRAP_KEY,
      failureLimit: env.AUTH_FAILURE_LIMIT,
      failureWindowSeconds: env.AUTH_FAILURE_WINDOW_SECONDS,
    };
    this.metrics = { token: env.METRICS_TOKEN, port: env.METRICS_PORT, host: env.METRICS_HOST };

    this.dispatch = {
      credentialsKey: env.CREDENTIALS_ENCRYPTION_KEY
        ? Buffer.from(env.CREDENTIALS_ENCRYPTION_KEY, env.CREDENTIALS_ENCRYPTION_KEY.length === 64 ? 'hex' : 'base64')
        : createHash('sha256').update('threadline development credentials key (not for production)').digest(),
      credentialsKeyIsDevelopmentDefault: !env.CREDENTIALS_ENCRYPTION_KEY,
      concurrency: env.DISPATCH_CONCURRENCY,
      batchSize: env.DISPATCH_BATCH_SIZE,
      maxAttempts: env.DISPATCH_MAX_ATTEMPTS,
      retryBaseMs: env.DISPATCH_RETRY_BASE_MS,
      stallAfterMs: env.DISPATCH_STALL_AFTER_MS,
      maxRateLimited: env.DISPATCH_MAX_RATE_LIMITED,
      rateLimitMargin: {
        floorMs: env.RATE_LIMIT_MARGIN_MS,
        maxMs: env.RATE_LIMIT_MARGIN_MAX_MS,
        widenStepMs: env.RATE_LIMIT_MARGIN_WIDEN_MS,
        repeatMs: env.RATE_LIMIT_MARGIN_REPEAT_MS,
        narrowStepMs: env.RATE_LIMIT_MARGIN_NARROW_MS,
        quietMs: env.RATE_LIMIT_MARGIN_QUIET_MS,
        memoryMs: env.RATE_LIMIT_MARGIN_MEMORY_MS,
      },
      sweeperIntervalMs: env.SWEEPER_INTERVAL_MS,
      lockDurationMs: env.DISPATCH_LOCK_DURATION_MS,
    };

    this.reconcile = {
      enabled: env.RECONCILE_ENABLED,
      intervalMs: env.RECONCILE_INTERVAL_MS,
      readsPerSecond: env.RECONCILE_READS_PER_SECOND,
      minDelayMs: env.RECONCILE_MIN_DELAY_MS,
      maxDelayMs: env.RECONCILE_MAX_DELAY_MS,
    };
    this.autoClose = { intervalMs: env.AUTO_CLOSE_INTERVAL_MS, contactStatus: env.AUTO_CLOSE_CONTACT_STATUS };

    const simulatorUrl = (env.SIMULATOR_URL ?? `http://127.0.0.1:${env.SIMULATOR_PORT}`).replace(/\/$/, '');
    this.simulator = {
      embedded:
        env.SIMULATOR_EMBEDDED === 'true' ||
        (env.SIMULATOR_EMBEDDED === 'auto' && !env.CXONE_CLIENT_ID && env.APP_ROLE === AppRole.All),
      host: env.SIMULATOR_HOST,
      port: env.SIMULATOR_PORT,
      url: simulatorUrl,
      tenantId: env.SIMULATOR_TENANT_ID,
      clientId: env.SIMULATOR_CLIENT_ID,
      clientSecret: env.SIMULATOR_CLIENT_SECRET,
      accessKeyId: env.SIMULATOR_ACCESS_KEY_ID,
      accessKeySecret: env.SIMULATOR_ACCESS_KEY_SECRET,
      tokenTtlSeconds: env.SIMULATOR_TOKEN_TTL_SECONDS,
      outboundRatePerSecond: env.SIMULATOR_OUTBOUND_RATE_PER_SECOND,
      latencyMs: env.SIMULATOR_LATENCY_MS,
      retryAfterFormat: env.SIMULATOR_RETRY_AFTER_FORMAT,
      dedupeMessages: env.SIMULATOR_DEDUPE_MESSAGES,
      middlewareUrl: env.SIMULATOR_MIDDLEWARE_URL.replace(/\/$/, ''),
      middlewareClientId: env.SIMULATOR_MIDDLEWARE_CLIENT_ID,
      middlewareClientSecret: env.SIMULATOR_MIDDLEWARE_CLIENT_SECRET,
      controlToken: env.SIMULATOR_CONTROL_TOKEN,
      arrivalJitterMs: env.SIMULATOR_ARRIVAL_JITTER_MS,
      webhookUrl: env.SIMULATOR_WEBHOOK_URL ?? null,
      webhookSecret: env.SIMULATOR_WEBHOOK_SECRET,
      webhookAuth: env.SIMULATOR_WEBHOOK_AUTH,
      nativeOptOut: env.SIMULATOR_NATIVE_OPT_OUT,
      optOutRefusalStatus: env.SIMULATOR_OPT_OUT_REFUSAL_STATUS,
      optOutErrorCode: env.SIMULATOR_OPT_OUT_ERROR_CODE,
      contactMessagesOrder: env.SIMULATOR_CONTACT_MESSAGES_ORDER,
      recipientValidation: env.SIMULATOR_RECIPIENT_VALIDATION,
      useDfo3Outbound: env.SIMULATOR_USE_DFO3_OUTBOUND,
    };

    const tenantConfigured = Boolean(env.CXONE_CLIENT_ID);
    this.byoc = {
      publicUrl: env.PUBLIC_URL.replace(/\/$/, ''),
      widgetSessionKey: Buffer.from(
        env.WIDGET_SESSION_SECRET ?? 'threadline development widget session secret (not for production)',
        'utf8',
      ),
      widgetSessionTtlSeconds: env.WIDGET_SESSION_TTL_SECONDS,
      widgetPostsPerMinute: env.WIDGET_POSTS_PER_MINUTE,
      tokenTtlSeconds: env.BYOC_TOKEN_TTL_SECONDS,
      secretGraceSeconds: env.BYOC_SECRET_GRACE_SECONDS,
      integrationId: env.BYOC_INTEGRATION_ID ?? (tenantConfigured ? null : SIMULATOR_INTEGRATION_ID),
      backUrlHosts: [
        ...env.BYOC_ACTION_BACK_URL_HOSTS.split(',').map((h) => h.toLowerCase()),
        // the simulator's admin pages, when it is the tenant
        ...(tenantConfigured ? [] : [new URL(simulatorUrl).hostname]),
      ],
      replyDedupeSeconds: env.BYOC_REPLY_DEDUPE_SECONDS,
      statusPollMs: env.BYOC_STATUS_POLL_MS,
      seedDevelopmentChannel: !tenantConfigured && env.NODE_ENV !== 'production',
    };
    this.cxone = {
      tenantConfigured,
      timeoutMs: env.CXONE_TIMEOUT_MS,
      recipientsField: env.CXONE_OUTBOUND_RECIPIENTS_FIELD,
      sendMessageId: env.CXONE_SEND_MESSAGE_ID,
      defaultAccount: tenantConfigured
        ? {
            name: 'default',
            authMode: env.CXONE_AUTH_MODE === 'password' ? 'PASSWORD' : 'CLIENT_CREDENTIALS',
            issuerUrl: env.CXONE_ISSUER_URL ?? null,
            apiBaseUrl: env.CXONE_API_BASE_URL ?? null,
            tokenUrl: env.CXONE_TOKEN_URL ?? null,
            dfoBaseTemplate: env.CXONE_DFO_BASE_TEMPLATE,
            clientId: env.CXONE_CLIENT_ID!,
            clientSecret: env.CXONE_CLIENT_SECRET!,
            accessKeyId: env.CXONE_ACCESS_KEY_ID ?? null,
            accessKeySecret: env.CXONE_ACCESS_KEY_SECRET ?? null,
            rateLimitPerSecond: env.CXONE_RATE_LIMIT_PER_SECOND,
          }
        : {
            name: 'default',
            authMode: 'PASSWORD',
            issuerUrl: simulatorUrl,
            apiBaseUrl: null,
            tokenUrl: null,
            dfoBaseTemplate: '{api_endpoint}/dfo/3.0',
            clientId: env.SIMULATOR_CLIENT_ID,
            clientSecret: env.SIMULATOR_CLIENT_SECRET,
            accessKeyId: env.SIMULATOR_ACCESS_KEY_ID,
            accessKeySecret: env.SIMULATOR_ACCESS_KEY_SECRET,
            rateLimitPerSecond: env.CXONE_RATE_LIMIT_PER_SECOND,
          },
    };
  }

  /** Validates `source` (process.env by default) and returns the config; throws ConfigError naming bad variables. */
  static load(
    source: Record<string, string | undefined> = process.env,
    overrides: Record<string, string> = {},
  ): AppConfig {
    return new AppConfig(validateEnvironment({ ...source, ...overrides }));
  }
}
