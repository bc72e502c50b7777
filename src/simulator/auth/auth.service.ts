import { Injectable } from '@nestjs/common';
import type {
  CxoneConfiguration,
  DfoOneTimeTokenVerification,
  OpenIdConfiguration,
  TokenResponse,
} from '@/integrations/cxone/dfo.types';
import { SimClock } from '@/simulator/common/clock';
import { FieldCheck, isObject } from '@/simulator/common/field-check';
import { encodeJwt } from '@/simulator/common/jwt';
import { ControlError, DfoError, DfoNotFoundError, OAuthError } from '@/simulator/common/sim-errors';
import { ONE_TIME_TOKEN_PURPOSES, validateOneTimeTokenVerification } from '@/simulator/dfo/dfo-validation';
import { SIM_USERS } from '@/simulator/state/seed';
import { SimSettings } from '@/simulator/state/sim-settings';
import { SimTenant, TenantRegistry } from '@/simulator/state/tenants';
import { TokenStore } from '@/simulator/state/token-store';

interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  via: 'basic' | 'body';
}

const REFRESH_TOKEN_TTL_S = 7 * 86_400;

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** RFC 6749 §2.3.1: Basic credentials are form-encoded before base64. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** The client, from `Authorization: Basic` or from client_id/client_secret in the body. */
function clientCredentials(authorization: string | undefined, body: Record<string, unknown>): ClientCredentials | null {
  if (authorization && /^basic\s+/i.test(authorization)) {
    const decoded = Buffer.from(authorization.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
      via: 'basic',
    };
  }
  const clientId = field(body, 'client_id');
  const clientSecret = field(body, 'client_secret');
  return clientId && clientSecret ? { clientId, clientSecret, via: 'body' } : null;
}

/**
 * CXone's side of authentication: discovery documents, the platform token endpoint (password grant with an access
 * key, or client credentials), the legacy DFO API-key endpoint, and one-time tokens for BYOC action URLs.
 */
@Injectable()
export class SimAuthService {
  constructor(
    private readonly tenants: TenantRegistry,
    private readonly tokens: TokenStore,
    private readonly settings: SimSettings,
    private readonly clock: SimClock,
  ) {}

  openIdConfiguration(base: string): OpenIdConfiguration {
    return {
      issuer: base,
      authorization_endpoint: `${base}/auth/authorize`,
      token_endpoint: `${base}/auth/token`,
      response_types_supported: ['code', 'token', 'id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      grant_types_supported: ['password', 'client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['openid'],
    };
  }

  cxoneConfiguration(base: string, tenantId: unknown): CxoneConfiguration & Record<string, unknown> {
    if (typeof tenantId !== 'string' || tenantId === '') {
      throw new DfoError(400, [{ field: 'tenantId', message: 'tenantId is required', errorCode: 'required' }]);
    }
    const tenant = this.tenants.get(tenantId);
    if (!tenant) throw new DfoNotFoundError(`Tenant ${tenantId} does not exist`, 'tenantId');
    return {
      private: false,
      area: 'sim',
      cluster: 'SIM1',
      domain: 'localhost',
      acdDomain: 'localhost',
      uhDomain: 'localhost',
      api_endpoint: base,
      ui_endpoint: base,
      auth_endpoint: base,
      tenantId: tenant.tenantId,
    };
  }

  /** POST /auth/token: password grant (access key) or client_credentials, client authenticated by Basic or body. */
  platformToken(authorization: string | undefined, rawBody: unknown, issuer: string) {
    const body = isObject(rawBody) ? rawBody : {};
    const client = clientCredentials(authorization, body);
    const tenant = client ? this.tenants.byClient(client.clientId) : undefined;
    if (!client || !tenant || tenant.clientSecret !== client.clientSecret) {
      throw new OAuthError(401, 'invalid_client', 'client authentication failed', {
        'www-authenticate': 'Basic realm="cxone"',
      });
    }
    const grantType = field(body, 'grant_type');
    let subject: string;
    switch (grantType) {
      case undefined:
        throw new OAuthError(400, 'invalid_request', 'grant_type is required');
      case 'password': {
        const username = field(body, 'username');
        const password = field(body, 'password');
        if (username !== tenant.accessKeyId || password !== tenant.accessKeySecret) {
          throw new OAuthError(400, 'invalid_grant', 'the access key id or secret is wrong');
        }
        subject = `user:${tenant.accessKeyId}`;
        break;
      }
      case 'client_credentials':
        subject = `client:${tenant.clientId}`;
        break;
      case 'refresh_token': {
        const refreshToken = field(body, 'refresh_token');
        const tenantId = refreshToken ? this.tokens.useRefresh(refreshToken, client.clientId) : null;
        if (tenantId !== tenant.tenantId) throw new OAuthError(400, 'invalid_grant', 'the refresh token is not valid');
        subject = `user:${tenant.accessKeyId}`;
        break;
      }
      default:
        throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    const ttl = this.settings.value.tokenTtlSeconds;
    const access = this.tokens.issueAccess({
      tenantId: tenant.tenantId,
      kind: 'platform',
      ttlSeconds: ttl,
      issuer,
      subject,
    });
    const iat = Math.floor(this.clock.nowMs() / 1000);
    const response: TokenResponse & Record<string, unknown> = {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: this.tokens.issueRefresh(tenant.tenantId, tenant.clientId, REFRESH_TOKEN_TTL_S),
      refresh_token_expires_in: REFRESH_TOKEN_TTL_S,
      id_token: encodeJwt({
        iss: issuer,
        sub: subject,
        aud: tenant.clientId,
        tenantId: tenant.tenantId,
        tenant_id: tenant.tenantId,
        name: 'Threadline API user',
        iat,
        exp: iat + ttl,
      }),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    };
    return { tenantId: tenant.tenantId, response };
  }

  /** POST /engager/2.0/token: legacy DFO API keys, JSON client credentials (the tenant's client or access key). */
  legacyToken(authorization: string | undefined, rawBody: unknown, issuer: string) {
    const body = isObject(rawBody) ? rawBody : {};
    const client = clientCredentials(authorization, body);
    const tenant = client ? this.legacyClient(client) : undefined;
    if (!client || !tenant) throw new OAuthError(401, 'invalid_client', 'client authentication failed');
    const grantType = field(body, 'grant_type');
    if (grantType === undefined) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    const access = this.tokens.issueAccess({
      tenantId: tenant.tenantId,
      kind: 'legacy',
      ttlSeconds: this.settings.value.tokenTtlSeconds,
      issuer,
      subject: `api-key:${client.clientId}`,
    });
    const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn };
    return { tenantId: tenant.tenantId, response };
  }

  /** POST /sim/one-time-tokens {brandId?, userId?, purpose?, tenantId?}. */
  issueOneTimeToken(body: unknown): {
    token: string;
    brandId: number;
    userId: number;
    purpose: string;
    tenantId: string;
  } {
    const b = body === undefined || body === null ? {} : body;
    if (!isObject(b)) throw new ControlError(400, 'the body must be a JSON object');
    const check = new FieldCheck();
    check.noExtraKeys(b, ['brandId', 'userId', 'purpose', 'tenantId']);
    const tenantId = check.optionalString(b.tenantId, 'tenantId') ?? this.tenants.defaultTenantId;
    const brandId = check.optionalNumber(b.brandId, 'brandId', { integer: true, min: 1 });
    const userId = check.optionalNumber(b.userId, 'userId', { integer: true, min: 1 });
    const purpose = check.optionalOneOf(b.purpose, 'purpose', ONE_TIME_TOKEN_PURPOSES) ?? 'channel-integration';
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    const tenant = this.tenants.get(tenantId);
    if (!tenant) throw new ControlError(404, `tenant ${tenantId} does not exist`);
    const record = this.tokens.issueOneTime({
      tenantId,
      brandId: brandId ?? tenant.brandId,
      userId: userId ?? SIM_USERS.admin.id,
      purpose,
    });
    return { token: record.token, brandId: record.brandId, userId: record.userId, purpose, tenantId };
  }

  /** POST /dfo/3.0/one-time-token/verification (no Authorization): single use; answers brand, user, accessToken. */
  verifyOneTimeToken(body: unknown, issuer: string): { tenantId: string; response: DfoOneTimeTokenVerification } {
    const input = validateOneTimeTokenVerification(body);
    const record = this.tokens.oneTimeToken(input.token);
    const refuse = (message: string): never => {
      throw new DfoError(401, [{ field: 'token', message, errorCode: 'invalidToken' }]);
    };
    if (!record) return refuse('the one-time token is not valid');
    if (record.used) return refuse('the one-time token has already been used');
    if (record.expiresAt <= this.clock.nowMs()) return refuse('the one-time token has expired');
    if (record.brandId !== input.brandId || record.userId !== input.userId) {
      return refuse('the one-time token was not issued for this brand and user');
    }
    if (record.purpose !== input.purpose) {
      throw new DfoError(400, [
        { field: 'purpose', message: `the token was issued for ${record.purpose}`, errorCode: 'invalidPurpose' },
      ]);
    }
    record.used = true;
    const tenant = this.tenants.get(record.tenantId) ?? this.tenants.defaultTenant();
    const access = this.tokens.issueAccess({
      tenantId: tenant.tenantId,
      kind: 'channelAdmin',
      ttlSeconds: this.settings.value.tokenTtlSeconds,
      issuer,
      subject: `user:${record.userId}`,
    });
    return {
      tenantId: tenant.tenantId,
      response: {
        brand: {
          id: record.brandId,
          friendlyName: tenant.brandName,
          timezone: 'UTC',
          brandHash: Buffer.from(`${tenant.tenantId}:${record.brandId}`).toString('hex').slice(0, 32),
          tenantId: tenant.tenantId,
        },
        user: { ...SIM_USERS.admin, id: record.userId },
        accessToken: access.token,
      },
    };
  }

  private legacyClient(client: ClientCredentials): SimTenant | undefined {
    const byClient = this.tenants.byClient(client.clientId);
    if (byClient?.clientSecret === client.clientSecret) return byClient;
    const byKey = this.tenants.byAccessKey(client.clientId);
    return byKey?.accessKeySecret === client.clientSecret ? byKey : undefined;
  }
}
