import { ConflictError, NotFoundError, ValidationFailedError } from '@/infra/errors/domain-error';

/** The customer writes to a conversation that ended: they must start a new one. */
export class ConversationEndedError extends ConflictError {
  constructor(endedBy: 'agent' | 'customer' | 'idle') {
    super(
      endedBy === 'agent'
        ? 'This conversation was ended by the agent. Start a new conversation to write again.'
        : endedBy === 'idle'
          ? 'This conversation ended because there was no activity. Start a new conversation to write again.'
          : 'You ended this conversation. Start a new conversation to write again.',
      { endedBy },
    );
  }
}

export class NoOpenConversationError extends NotFoundError {
  constructor() {
    super('there is no open conversation');
  }
}

export class InvalidCustomerIdError extends ValidationFailedError {}
