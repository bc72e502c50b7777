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
