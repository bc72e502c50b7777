import type { Scope } from './scopes';

/** Who is calling. Set on the request by the Passport strategy that authenticated it. */
export type Principal = ApiKeyPrincipal;

export interface ApiKeyPrincipal {
  kind: 'api-key';
  keyId: string;
  name: string;
  scopes: Scope[];
}
