import { request as httpRequest } from 'node:http';
import { decodeJwtPayload } from '@/simulator/common/jwt';
import {
  basicAuth,
  FORM,
  form,
  SimulatorHarness,
  SMS,
  startSimulator,
  TENANT,
  textOutbound,
} from './simulator-harness';

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
}

describe('CXone simulator: discovery and tokens', () => {
  let sim: SimulatorHarness;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  describe('discovery', () => {
    it('serves the OpenID configuration with the token endpoint under the address the caller used', async () => {
      const res = await sim.http.get<{ issuer: string; token_endpoint: string }>('/.well-known/openid-configuration');

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body.issuer).toBe(sim.url);
      expect(res.body.token_endpoint).toBe(`${sim.url}/auth/token`);
    });

    it('derives the base URL from the Host header (e.g. a compose service name)', async () => {
      const { port } = new URL(sim.url);
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, path: '/.well-known/cxone-configuration?tenantId=threadline-dev-tenant' },
          (res) => {
            let data = '';
            res.on('data', (chunk: Buffer) => (data += chunk.toString()));
            res.on('end', () => resolve(data));
          },
        );
        req.setHeader('host', 'simulator:4010');
        req.on('error', reject);
        req.end();
      });

      expect(JSON.parse(body)).toMatchObject({
        api_endpoint: 'http://simulator:4010',
        area: 'sim',
        domain: 'localhost',
      });
    });

    it('serves the tenant configuration and 404s an unknown tenant', async () => {
      const known = await sim.http.get<Record<string, string>>(
        '/.well-known/cxone-configuration?tenantId=threadline-dev-tenant',
      );
      const unknown = await sim.http.get<{ errors: unknown[] }>('/.well-known/cxone-configuration?tenantId=nobody');

      expect(known.status).toBe(200);
      expect(known.body).toMatchObject({ api_endpoint: sim.url, area: 'sim', domain: 'localhost' });
      expect(known.body.cluster).toEqual(expect.any(String));
      expect(known.body.acdDomain).toEqual(expect.any(String));
      expect(known.body.uhDomain).toEqual(expect.any(String));
      expect(unknown.status).toBe(404);
      expect(unknown.body.errors).toHaveLength(1);
    });
  });

  describe('POST /auth/token', () => {
    it('grants a password-grant token (Basic client, access key) whose JWTs carry the tenant id', async () => {
      const res = await sim.http.post<TokenBody>(
        '/auth/token',
        form({ grant_type: 'password', username: TENANT.accessKeyId, password: TENANT.accessKeySecret }),
        { ...FORM, authorization: basicAuth(TENANT.clientId, TENANT.clientSecret) },
      );

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(res.body.refresh_token).toEqual(expect.any(String));
      for (const jwt of [res.body.access_token, res.body.id_token!]) {
        expect(jwt.split('.')).toHaveLength(3);
        const claims = decodeJwtPayload(jwt)!;
        expect(claims).toMatchObject({ tenantId: TENANT.tenantId, iss: sim.url });
        expect(claims.exp).toBe((claims.iat as number) + 3600);
        expect(claims.sub).toEqual(expect.any(String));
      }
    });

    it('grants client_credentials, and accepts the client in the body and a JSON body', async () => {
      const formBody = await sim.http.post<TokenBody>(
        '/auth/token',
        form({ grant_type: 'client_credentials', client_id: TENANT.clientId, client_secret: TENANT.clientSecret }),
        FORM,
      );
      const jsonBody = await sim.http.post<TokenBody>('/auth/token', {
        grant_type: 'password',
        client_id: TENANT.clientId,
        client_secret: TENANT.clientSecret,
        username: TENANT.accessKeyId,
        password: TENANT.accessKeySecret,
      });

      expect(formBody.status).toBe(200);
      expect(jsonBody.status).toBe(200);
      expect(decodeJwtPayload(formBody.body.access_token)!.tenantId).toBe(TENANT.tenantId);
    });

    it('answers a wrong client 401 invalid_client', async () => {
      const res = await sim.http.post(
        '/auth/token',
        form({ grant_type: 'password', username: TENANT.accessKeyId, password: TENANT.accessKeySecret }),
        { ...FORM, authorization: basicAuth(TENANT.clientId, 'wrong') },
      );

      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'invalid_client' });
    });

    it('answers a wrong access key 400 invalid_grant', async () => {
      const res = await sim.http.post(
        '/auth/token',
        form({ grant_type: 'password', username: TENANT.accessKeyId, password: 'wrong' }),
        { ...FORM, authorization: basicAuth(TENANT.clientId, TENANT.clientSecret) },
      );

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_grant' });
    });

    it('answers another grant 400 unsupported_grant_type', async () => {
      const res = await sim.http.post('/auth/token', form({ grant_type: 'authorization_code', code: 'x' }), {
        ...FORM,
        authorization: basicAuth(TENANT.clientId, TENANT.clientSecret),
      });

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'unsupported_grant_type' });
    });

    it('exchanges a refresh token once', async () => {
      const first = await sim.http.post<TokenBody>(
        '/auth/token',
        form({ grant_type: 'password', username: TENANT.accessKeyId, password: TENANT.accessKeySecret }),
        { ...FORM, authorization: basicAuth(TENANT.clientId, TENANT.clientSecret) },
      );
      const refresh = () =>
        sim.http.post<TokenBody>(
          '/auth/token',
          form({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token! }),
          { ...FORM, authorization: basicAuth(TENANT.clientId, TENANT.clientSecret) },
        );

      const once = await refresh();
      const twice = await refresh();

      expect(once.status).toBe(200);
      expect(twice.status).toBe(400);
      expect(twice.body).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('POST /engager/2.0/token (legacy DFO API keys)', () => {
    it('grants client_credentials from a JSON body, and the token works on DFO', async () => {
      const res = await sim.http.post<TokenBody>('/engager/2.0/token', {
        grant_type: 'client_credentials',
        client_id: TENANT.clientId,
        client_secret: TENANT.clientSecret,
      });
      const dfo = await sim.dfo(res.body.access_token);
      const contacts = await dfo.get('/dfo/3.0/contacts');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(contacts.status).toBe(200);
    });

    it('refuses a wrong secret (401 invalid_client) and another grant (400 unsupported_grant_type)', async () => {
      const wrong = await sim.http.post('/engager/2.0/token', {
        grant_type: 'client_credentials',
        client_id: TENANT.clientId,
        client_secret: 'nope',
      });
      const grant = await sim.http.post('/engager/2.0/token', {
        grant_type: 'password',
        client_id: TENANT.clientId,
        client_secret: TENANT.clientSecret,
      });

      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ error: 'invalid_client' });
      expect(grant.status).toBe(400);
      expect(grant.body).toMatchObject({ error: 'unsupported_grant_type' });
    });
  });

  describe('bearer tokens on DFO routes', () => {
    it('answers a missing or unknown token 401 in DFO error shape', async () => {
      const missing = await sim.http.get<{ errors: Array<{ message: string }> }>('/dfo/3.0/contacts');
      const unknown = await sim.http.get('/dfo/3.0/contacts', { authorization: 'Bearer not-a-token' });

      expect(missing.status).toBe(401);
      expect(missing.headers.get('content-type')).toContain('application/json');
      expect(missing.body.errors[0].message).toMatch(/Bearer/);
      expect(unknown.status).toBe(401);
    });

    it('expires every issued token at once (POST /sim/tokens/expire), then a new token works', async () => {
      const dfo = await sim.dfo();
      expect((await dfo.get('/dfo/3.0/contacts')).status).toBe(200);

      const expired = await sim.control.post<{ expired: number }>('/sim/tokens/expire');
      const after = await dfo.get<{ errors: Array<{ message: string }> }>('/dfo/3.0/contacts');
      const renewed = await (await sim.dfo()).get('/dfo/3.0/contacts');

      expect(expired.body.expired).toBe(1);
      expect(after.status).toBe(401);
      expect(after.body.errors[0].message).toMatch(/expired/);
      expect(renewed.status).toBe(200);
    });

    it('lets a token lapse after tokenTtlSeconds', async () => {
      await sim.control.request('PATCH', '/sim/config', { tokenTtlSeconds: 60 });
      const dfo = await sim.dfo();
      expect((await dfo.get('/dfo/3.0/contacts')).status).toBe(200);

      // The simulator's clock, not a real wait: 59 s in, then past the 60 s lifetime.
      await sim.control.post('/sim/clock', { advanceMs: 59_000 });
      const before = await dfo.get('/dfo/3.0/contacts');
      await sim.control.post('/sim/clock', { advanceMs: 1_000 });
      const after = await dfo.get<{ errors: Array<{ message: string }> }>('/dfo/3.0/contacts');

      expect(before.status).toBe(200);
      expect(after.status).toBe(401);
      expect(after.body.errors[0].message).toMatch(/expired/);
    });
  });

  describe('tenants', () => {
    it('adds a tenant whose tokens carry its tenant id and whose discovery resolves', async () => {
      const other = {
        tenantId: 'acme-tenant',
        clientId: 'acme-app',
        clientSecret: 'acme-secret',
        accessKeyId: 'acme-key',
        accessKeySecret: 'acme-key-secret',
      };
      const created = await sim.control.post<Record<string, unknown>>('/sim/tenants', other);
      const token = await sim.token(other);
      const config = await sim.http.get('/.well-known/cxone-configuration?tenantId=acme-tenant');

      expect(created.status).toBe(201);
      expect(created.body.clientSecret).toBe('***');
      expect(decodeJwtPayload(token)!.tenantId).toBe('acme-tenant');
      expect(config.status).toBe(200);
    });

    it('refuses an invalid tenant body with a 400 naming the fields', async () => {
      const res = await sim.control.post<{ message: string; details: Array<{ field: string }> }>('/sim/tenants', {
        tenantId: 'bad id!',
      });

      expect(res.status).toBe(400);
      expect(res.body.details.map((d) => d.field)).toEqual(
        expect.arrayContaining(['tenantId', 'clientId', 'clientSecret', 'accessKeyId', 'accessKeySecret']),
      );
    });
  });

  it('records token requests with secrets redacted', async () => {
    await sim.token();
    const dfo = await sim.dfo();
    await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15551230000'));

    const log = await sim.control.get<Array<Record<string, unknown>>>('/sim/requests?operation=token');

    expect(log.body).toHaveLength(2);
    expect(log.body[0]).toMatchObject({ method: 'POST', path: '/auth/token', status: 200, tenantId: TENANT.tenantId });
    expect(log.body[0].body).toEqual({ grant_type: 'password', username: '[redacted]', password: '[redacted]' });
    expect(JSON.stringify(log.body)).not.toContain(TENANT.accessKeySecret);
  });
});
