import type { Scope } from './scopes';

/** Who is calling. Set on the request by the Passport strategy that authenticated it. */
export type Principal = ApiKeyPrincipal | CxonePrincipal | WidgetPrincipal;

export interface ApiKeyPrincipal {
  kind: 'api-key';
  keyId: string;
  name: string;
  scopes: Scope[];
}

/** CXone calling our BYOC endpoints with a bearer token from /integration/box/1.0/token. */
export interface CxonePrincipal {
  kind: 'cxone';
  /** The callback client (row id) the token was issued to. */
  callbackClientId: string;
  /** The BYOC channel (Threadline's id) the client belongs to; its integration's other channels are allowed too. */
  channelId: string | null;
  integrationId: string | null;
}

/** A chat widget session: one customer on one BYOC channel. */
export interface WidgetPrincipal {
  kind: 'widget';
  channelId: string;
  /** The customer's id on the channel (their contact's address). */
  customerId: string;
  sessionId: string;
}
