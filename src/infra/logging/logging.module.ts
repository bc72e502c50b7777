import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { AppConfig } from '@/config';
import { REDACT_PATHS } from './redaction';
import { TraceContext } from './trace-context';

/** JSON logs through pino: one line per request (with its request id), `new Logger(X.name)` everywhere else. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Probes and scrapes would drown the request log.
        exclude: [
          { method: RequestMethod.GET, path: 'health/live' },
          { method: RequestMethod.GET, path: 'health/ready' },
          { method: RequestMethod.GET, path: 'metrics' },
        ],
        pinoHttp: pinoOptions(config),
      }),
    }),
  ],
})
export class LoggingModule {}

/**
 * The pino options every log line goes through (levels as text, redaction, the trace id, the request serializer):
 * one definition for the application and for the tests that check redaction.
 */
export function pinoOptions(config: AppConfig): PinoHttpOptions {
  return {
    formatters: { level: (label: string) => ({ level: label }) },
    level: config.log.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'threadline', role: config.app.role },
    // Fastify assigns the request id (see bootstrap.ts) and stores it on the raw request.
    genReqId: (req) => (req as { id?: string }).id ?? TraceContext.traceIdOrNew(),
    mixin: () => {
      const trace = TraceContext.current();
      return trace ? { traceId: trace.traceId } : {};
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
    },
  };
}

/** Query parameters that carry credentials (the widget's EventSource sends its session token as `?token=`). */
const SECRET_QUERY_PARAMETERS = /([?&](?:token|access_token|client_secret)=)[^&#]*/gi;

/** The URL as logged: credential-carrying query parameters replaced with `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMETERS, '$1[redacted]');
}
