import { ConflictError, NotFoundError, ValidationFailedError } from '@/infra/errors/domain-error';

export class AccountNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no CXone account ${id}`);
  }
}

export class AccountNameTakenError extends ConflictError {
  constructor(name: string) {
    super(`a CXone account named "${name}" already exists`);
  }
}

export class InvalidAccountSettingsError extends ValidationFailedError {}
