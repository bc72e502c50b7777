import { ConflictError, ForbiddenError, UnauthenticatedError } from '@/infra/errors/domain-error';

export class InvalidApiKeyError extends UnauthenticatedError {
  constructor(reason = 'the API key is unknown, expired or revoked') {
    super(reason);
  }
}

export class MissingScopeError extends ForbiddenError {
  constructor(missing: string[], required: string[]) {
    super(`this API key lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, { required, missing });
  }
}

/** A key tried to create a key with scopes beyond its own (`admin` may grant every scope). */
export class ScopesNotGrantableError extends ForbiddenError {
  constructor(notGrantable: string[], held: string[]) {
    super(
      `this API key may not grant the scope${notGrantable.length > 1 ? 's' : ''} ${notGrantable.join(', ')}: ` +
        'a key grants only scopes it holds',
      { notGrantable, held },
    );
  }
}

export class BootstrapDisabledError extends ForbiddenError {
  constructor() {
    super('bootstrap is disabled: set API_BOOTSTRAP_KEY to create the first admin key');
  }
}

export class BootstrapAlreadyDoneError extends ConflictError {
  constructor() {
    super('an admin key already exists; create further keys with POST /api/v1/api-keys');
  }
}
