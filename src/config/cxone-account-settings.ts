import { createHash } from 'node:crypto';

/**
 * How to reach and authenticate with one CXone tenant: the one source of truth for account settings, used by the
 * environment's default account (config), accounts added through the API (modules/accounts) and the token cache
 * (integrations/cxone), so their defaults, rules and fingerprint never drift apart.
 */
export interface CxoneAccountSettings {
  name: string;
  /** PASSWORD: platform token, password grant (access key) with Basic client auth. CLIENT_CREDENTIALS: the variant. */
  authMode: 'PASSWORD' | 'CLIENT_CREDENTIALS';
  /** Issuer for discovery (/.well-known/openid-configuration, /.well-known/cxone-configuration). */
  issuerUrl: string | null;
  /** Explicit DFO base (…/dfo/3.0); skips the cxone-configuration lookup. */
  apiBaseUrl: string | null;
  /** Explicit token endpoint; skips the openid-configuration lookup. */
  tokenUrl: string | null;
  /** How the DFO base is built from cxone-configuration: {area}, {domain}, {api_endpoint}. */
  dfoBaseTemplate: string;
  clientId: string;
  clientSecret: string;
  accessKeyId: string | null;
  accessKeySecret: string | null;
  /** Contract rate for DFO calls, requests per second across every worker. */
  rateLimitPerSecond: number;
}

export const DEFAULT_DFO_BASE_TEMPLATE = 'https://api-de-{area}.{domain}/dfo/3.0';
export const DEFAULT_RATE_LIMIT_PER_SECOND = 40;

/** What each settings field is called where the problem is reported (environment variables, API fields). */
export type SettingNames = Record<'issuerUrl' | 'apiBaseUrl' | 'tokenUrl' | 'accessKeyId' | 'accessKeySecret', string>;

export const API_SETTING_NAMES: SettingNames = {
  issuerUrl: 'issuerUrl',
  apiBaseUrl: 'apiBaseUrl',
  tokenUrl: 'tokenUrl',
  accessKeyId: 'accessKeyId',
  accessKeySecret: 'accessKeySecret',
};

/** The rules every account obeys, phrased with the caller's names for the fields. */
export function accountSettingsProblems(s: CxoneAccountSettings, names: SettingNames = API_SETTING_NAMES): string[] {
  const problems: string[] = [];
  if (!s.issuerUrl && !s.apiBaseUrl)
    problems.push(`${names.issuerUrl} (for discovery) or ${names.apiBaseUrl} is required`);
  if (!s.issuerUrl && !s.tokenUrl) problems.push(`${names.tokenUrl} is required when ${names.issuerUrl} is not set`);
  if (s.authMode === 'PASSWORD' && (!s.accessKeyId || !s.accessKeySecret)) {
    problems.push(`${names.accessKeyId} and ${names.accessKeySecret} are required for the password grant`);
  }
  return problems;
}

/** The fields that decide which tenant and credentials a session is for (not the name or the rate). */
function connectionOf(s: CxoneAccountSettings): unknown[] {
  return [
    s.authMode,
    s.issuerUrl,
    s.apiBaseUrl,
    s.tokenUrl,
    s.dfoBaseTemplate,
    s.clientId,
    s.clientSecret,
    s.accessKeyId,
    s.accessKeySecret,
  ];
}

/** Fingerprints already computed, per settings object (the token cache asks for one on every CXone call). */
const fingerprints = new WeakMap<CxoneAccountSettings, string>();

/**
 * A short hash of the connection: changed credentials never reuse a cached token or discovery result. Settings are
 * never changed in place (an account's update resolves to a new object), so each object's hash is computed once.
 */
export function connectionFingerprint(s: CxoneAccountSettings): string {
  let fingerprint = fingerprints.get(s);
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256')
      .update(JSON.stringify(connectionOf(s)))
      .digest('hex')
      .slice(0, 16);
    fingerprints.set(s, fingerprint);
  }
  return fingerprint;
}

export function sameConnection(a: CxoneAccountSettings, b: CxoneAccountSettings): boolean {
  return JSON.stringify(connectionOf(a)) === JSON.stringify(connectionOf(b));
}
