import { DomainError } from '@/infra/errors/domain-error';

/** Base of every failure talking to CXone. Callers decide retries by class, never by message. */
export abstract class CxoneError extends DomainError {
  constructor(
    message: string,
    readonly operation: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}

/** 429: CXone asks us to slow down. `retryAfterMs` comes from Retry-After (seconds or HTTP date) when it is sent. */
export class CxoneRateLimitedError extends CxoneError {
  readonly status = 503;

  constructor(
    operation: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(
      `CXone rate-limited ${operation}${retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs} ms`}`,
      operation,
    );
  }
}

export type UnavailableKind = 'server' | 'timeout' | 'connection';

/**
 * CXone did not answer usefully: a 5xx, a timeout, or a connection error. Transient: retry with backoff.
 * `ambiguous` means the request may have been applied (it was sent and the answer was lost), so a retry must reuse
 * the same external ids.
 */
export class CxoneUnavailableError extends CxoneError {
  readonly status = 503;

  constructor(
    operation: string,
    readonly kind: UnavailableKind,
    readonly httpStatus: number | undefined,
    readonly ambiguous: boolean,
    detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(`CXone unavailable for ${operation}: ${detail}`, operation);
  }
}

/** DFO's `{errors:[{field?, message, errorCode?}]}`. */
export interface CxoneFieldError {
  field?: string;
  message: string;
  errorCode?: string;
}

/** CXone refused the request (a 4xx other than 401/403/429): retrying the same request will not help. */
export class CxoneRejectedError extends CxoneError {
  readonly status = 502;

  constructor(
    operation: string,
    readonly httpStatus: number,
    readonly errors: CxoneFieldError[],
  ) {
    super(
      `CXone rejected ${operation} (${httpStatus})${errors.length ? `: ${errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ')}` : ''}`,
      operation,
      { httpStatus, errors },
    );
  }
}

/** Credentials were refused (token endpoint 400/401, or 401/403 even with a fresh token). */
export class CxoneAuthError extends CxoneError {
  readonly status = 502;

  constructor(
    operation: string,
    readonly httpStatus: number | undefined,
    detail: string,
  ) {
    super(`CXone refused our credentials for ${operation}: ${detail}`, operation);
  }
}
