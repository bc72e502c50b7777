/**
 * Base of every error the service raises on purpose. Each subclass carries its HTTP status; the global exception
 * filter maps it to `{statusCode, error, message, details?, requestId}`. Code decides retries with `instanceof`,
 * never by reading messages.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /**
   * The body's `error` instead of the HTTP reason phrase, where a protocol defines its own codes (OAuth's
   * `invalid_client`), so clients of that protocol read it.
   */
  readonly errorCode?: string;

  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request is malformed: a field is missing, of the wrong type, or out of range (400). */
export class ValidationFailedError extends DomainError {
  readonly status = 400;
}

/** No credentials, or credentials that are unknown, expired or revoked (401). */
export class UnauthenticatedError extends DomainError {
  readonly status = 401;
}

/** Authenticated, but not allowed to do this (403). */
export class ForbiddenError extends DomainError {
  readonly status = 403;
}

export class NotFoundError extends DomainError {
  readonly status = 404;
}

/** The request conflicts with the current state (409), e.g. starting a cancelled campaign. */
export class ConflictError extends DomainError {
  readonly status = 409;
}

/** The body is larger than the route accepts (413), e.g. a CSV upload over its byte cap. */
export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
}

/** A part of the URL is longer than the router accepts (414). */
export class UriTooLongError extends DomainError {
  readonly status = 414;
}

/** The body is of a media type the route does not take (415), e.g. a CSV sent to a JSON route. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
}

/** Well-formed but unacceptable (422), e.g. an Idempotency-Key reused with a different body. */
export class UnprocessableError extends DomainError {
  readonly status = 422;
}

/** The caller must slow down (429); the filter sends `retryAfterSeconds` as Retry-After. */
export class TooManyRequestsError extends DomainError {
  readonly status = 429;

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details?: unknown,
  ) {
    super(message, details);
  }
}

/** A dependency (PostgreSQL, Redis, CXone) is unavailable; the client may retry (503). */
export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
}
