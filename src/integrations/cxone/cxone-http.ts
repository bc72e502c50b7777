import { Logger } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance, AxiosRequestConfig, Method } from 'axios';
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Counter, Histogram } from 'prom-client';
import { TraceContext } from '@/infra/logging/trace-context';
import { MetricsService } from '@/infra/metrics/metrics.service';
import {
  CxoneAuthError,
  CxoneFieldError,
  CxoneRateLimitedError,
  CxoneRejectedError,
  CxoneUnavailableError,
} from './cxone.errors';
import { parseRetryAfter } from './retry-after';

export interface CxoneHttpRequest {
  operation: string;
  method: Method;
  url: string;
  headers?: Record<string, string>;
  data?: unknown;
  params?: Record<string, string | number | boolean>;
}

export interface CxoneHttpResponse<T = unknown> {
  status: number;
  data: T;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The one HTTP path to CXone: keep-alive connections, a timeout on every call, X-Trace-Id from the current
 * request or job, metrics per operation, and transport failures turned into CxoneUnavailableError. It returns every
 * HTTP status; `ensureOk` maps non-2xx answers to the typed errors. Nothing here logs a body, header or URL query.
 */
export class CxoneHttp {
  private readonly logger = new Logger('CxoneHttp');
  private readonly http: AxiosInstance;
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation'>;

  constructor(
    readonly timeoutMs: number,
    metrics: MetricsService,
  ) {
    this.http = axios.create({
      timeout: timeoutMs,
      validateStatus: () => true,
      maxRedirects: 0,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
      transitional: { clarifyTimeoutError: true },
    });
    this.requests = metrics.counter({
      name: 'threadline_cxone_requests_total',
      help: 'Calls to CXone by operation and outcome (HTTP status, or timeout / connection)',
      labelNames: ['operation', 'outcome'],
    });
    this.duration = metrics.histogram({
      name: 'threadline_cxone_request_duration_seconds',
      help: 'Latency of calls to CXone',
      labelNames: ['operation'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  async request<T>(req: CxoneHttpRequest): Promise<CxoneHttpResponse<T>> {
    const config: AxiosRequestConfig = {
      method: req.method,
      url: req.url,
      headers: {
        accept: 'application/json',
        'x-trace-id': TraceContext.current()?.traceId ?? randomUUID(),
        ...req.headers,
      },
      data: req.data,
      params: req.params,
    };
    const stop = this.duration.startTimer({ operation: req.operation });
    try {
      const response = await this.http.request<T>(config);
      this.requests.inc({ operation: req.operation, outcome: String(response.status) });
      this.logger.debug({ operation: req.operation, method: req.method, status: response.status }, 'CXone call');
      return {
        status: response.status,
        data: response.data,
        headers: response.headers as CxoneHttpResponse['headers'],
      };
    } catch (err) {
      throw this.transportError(req.operation, err);
    } finally {
      stop();
    }
  }

  private transportError(operation: string, err: unknown): CxoneUnavailableError {
    const code = err instanceof AxiosError ? err.code : undefined;
    const timedOut = code === 'ETIMEDOUT' || code === 'ECONNABORTED';
    // Refused / unresolvable: nothing reached CXone, so nothing was applied.
    const notSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    this.requests.inc({ operation, outcome: timedOut ? 'timeout' : 'connection' });
    const detail = timedOut
      ? `no answer within ${this.timeoutMs} ms`
      : `${code ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
    return new CxoneUnavailableError(operation, timedOut ? 'timeout' : 'connection', undefined, !notSent, detail);
  }
}

/** Maps a non-2xx answer to the typed error; returns the answer when it is a 2xx. */
export function ensureOk<T>(operation: string, response: CxoneHttpResponse<T>): CxoneHttpResponse<T> {
  const { status } = response;
  if (status >= 200 && status < 300) return response;
  const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
  if (status === 429) throw new CxoneRateLimitedError(operation, retryAfterMs);
  if (status >= 500) {
    throw new CxoneUnavailableError(operation, 'server', status, status !== 503, `HTTP ${status}`, retryAfterMs);
  }
  if (status === 401 || status === 403)
    throw new CxoneAuthError(operation, status, describe(response.data) ?? `HTTP ${status}`);
  throw new CxoneRejectedError(operation, status, fieldErrors(response.data));
}

/** DFO's `{errors:[...]}`, or an OAuth `{error, error_description}`, or nothing useful. */
export function fieldErrors(body: unknown): CxoneFieldError[] {
  if (body && typeof body === 'object') {
    const errors = (body as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      return errors
        .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
        .map((e) => ({
          ...(typeof e.field === 'string' ? { field: e.field } : {}),
          message: typeof e.message === 'string' ? e.message : JSON.stringify(e),
          ...(typeof e.errorCode === 'string' ? { errorCode: e.errorCode } : {}),
        }));
    }
  }
  const text = describe(body);
  return text ? [{ message: text }] : [];
}

function describe(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 300) || undefined;
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; error_description?: unknown; message?: unknown; errors?: unknown };
    if (typeof b.error_description === 'string') return `${String(b.error)}: ${b.error_description}`;
    if (typeof b.error === 'string') return b.error;
    if (typeof b.message === 'string') return b.message;
    if (Array.isArray(b.errors))
      return fieldErrors(body)
        .map((e) => e.message)
        .join('; ');
  }
  return undefined;
}
