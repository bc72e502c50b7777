/**
 * What each CXone-facing route does, as the request log and the fault settings name it. A route declares its operation
 * with @SimOperation(); requests to unknown paths are logged as 'unknown'.
 */
export const CXONE_OPERATIONS = [
  'discovery',
  'token',
  'createMessage',
  'outbound',
  'contactGet',
  'contactMessages',
  'contactStatus',
  'customFields',
  'customFieldDefinitions',
  'threadLock',
  'deliveryStatus',
  'senderAction',
  'templates',
  'channels',
  'oneTimeToken',
  'unknown',
] as const;

export type CxoneOperation = (typeof CXONE_OPERATIONS)[number];

/** Calls the simulated CXone makes to the BYOC middleware. */
export const MIDDLEWARE_OPERATIONS = [
  'middlewareToken',
  'middlewareOutbound',
  'middlewareLegacyReply',
  'middlewareSenderAction',
  'middlewareRecipientValidation',
] as const;

export type MiddlewareOperation = (typeof MIDDLEWARE_OPERATIONS)[number];

/** A DFO event pushed to the webhook (one log entry per attempt). */
export type WebhookOperation = 'webhook';

export type LoggedOperation = CxoneOperation | MiddlewareOperation | WebhookOperation;
