import { ConflictError, NotFoundError } from '@/infra/errors/domain-error';

export class ChannelNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no channel ${id}`);
  }
}

export class ChannelExistsError extends ConflictError {
  constructor(cxoneChannelId: string) {
    super(`channel ${cxoneChannelId} is already registered for this account`);
  }
}

export class ChannelInUseError extends ConflictError {
  constructor(id: string) {
    super(`channel ${id} has campaigns; deactivate it (PATCH isActive=false) instead of deleting it`);
  }
}

export class ChannelInactiveError extends ConflictError {
  constructor(id: string) {
    super(`channel ${id} is inactive`);
  }
}
