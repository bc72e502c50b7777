import { ConflictError, DomainError, NotFoundError } from '@/infra/errors/domain-error';

export class CallbackClientIdTakenError extends ConflictError {
  constructor(clientId: string) {
    super(`a callback client with client_id ${clientId} already exists`);
  }
}

export class CallbackClientNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no callback client ${id} (or it is revoked)`);
  }
}

/**
 * An OAuth error of the token endpoint (RFC 6749 §5.2): the body's `error` is the OAuth code (`invalid_client`,
 * `unsupported_grant_type`, `invalid_request`), so CXone and OAuth libraries read it, in the one error shape.
 */
export class OAuthError extends DomainError {
  constructor(
    readonly status: 400 | 401,
    override readonly errorCode: 'invalid_client' | 'unsupported_grant_type' | 'invalid_request',
    message: string,
  ) {
    super(message);
  }
}

/** A BYOC channel CXone named in a callback that Threadline does not have (or that is not a BYOC chat channel). */
export class ByocChannelNotFoundError extends NotFoundError {
  constructor(cxoneChannelId: string) {
    super(`no BYOC chat channel ${cxoneChannelId} is registered in Threadline`);
  }
}
