import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { DfoErrorBody } from '@/integrations/cxone/dfo.types';

export interface DfoFieldError {
  field?: string;
  message: string;
  errorCode?: string;
}

/**
 * An answer the simulator gives on purpose: status, body and headers. Three surfaces, three body shapes: DFO's
 * ApiErrorCollection (`{errors:[{field?, message, errorCode?}], uid}`), OAuth's `{error, error_description}` on the
 * token endpoints, and the control API's `{statusCode, error, message, details?}`.
 */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : `HTTP ${status}`);
    this.name = new.target.name;
  }
}

/** A DFO API error (`{errors:[…], uid}`). */
export class DfoError extends SimHttpError {
  constructor(status: number, errors: DfoFieldError[], headers: Record<string, string> = {}) {
    const body: DfoErrorBody = { errors, uid: randomUUID() };
    super(status, body, headers);
    this.message = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  }
}

export class DfoValidationError extends DfoError {
  constructor(errors: DfoFieldError[]) {
    super(400, errors);
  }
}

export class DfoNotFoundError extends DfoError {
  constructor(message: string, field?: string) {
    super(404, [{ ...(field ? { field } : {}), message, errorCode: 'notFound' }]);
  }
}

export class DfoUnauthorizedError extends DfoError {
  constructor(message: string) {
    super(401, [{ message, errorCode: 'unauthorized' }], { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
}

export class DfoForbiddenError extends DfoError {
  constructor(message: string) {
    super(403, [{ message, errorCode: 'forbidden' }]);
  }
}

/** 429 with Retry-After (seconds or an HTTP date, per the retryAfterFormat setting). */
export class DfoRateLimitedError extends DfoError {
  constructor(message: string, retryAfter: string) {
    super(429, [{ message, errorCode: 'tooManyRequests' }], { 'retry-after': retryAfter });
  }
}

/** An injected 500/503. */
export class DfoServerError extends DfoError {
  constructor(status: number) {
    super(status, [
      { message: `${STATUS_CODES[status] ?? 'Server error'} (injected by the simulator)`, errorCode: 'internalError' },
    ]);
  }
}

/** OAuth 2.0 token endpoint errors (RFC 6749 §5.2). */
export class OAuthError extends SimHttpError {
  constructor(
    status: number,
    readonly error: 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_request',
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(status, { error, error_description: description }, headers);
    this.message = `${error}: ${description}`;
  }
}

/** Control API (/sim/*) errors. */
export class ControlError extends SimHttpError {
  constructor(status: number, message: string, details?: unknown) {
    super(status, {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message,
      ...(details !== undefined ? { details } : {}),
    });
  }
}

/**
 * Formats Retry-After for `ms` from now: whole seconds (ceil, at least 1) or an HTTP date on a whole second no earlier
 * than that (both forms are allowed by RFC 9110; which one DFO sends is not known). `now` is real time, not the
 * simulator's clock: Retry-After tells the caller how long to wait, the caller waits in real time, and the Date
 * header Node sends beside it is real time too.
 */
export function formatRetryAfter(ms: number, format: 'seconds' | 'http-date', now = Date.now()): string {
  const waitMs = Math.max(1000, Number.isFinite(ms) ? ms : 3_600_000);
  if (format === 'http-date') return new Date(Math.ceil((now + waitMs) / 1000) * 1000).toUTCString();
  return String(Math.ceil(waitMs / 1000));
}
