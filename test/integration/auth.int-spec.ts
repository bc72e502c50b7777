import { ApiKeysRepository } from '@/modules/auth/api-keys.repository';
import { hashApiKey } from '@/modules/auth/api-keys.service';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient } from '@test/helpers/http';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
  requestId: string;
}

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  scopes: string[];
}

const BOOTSTRAP_KEY = 'b'.repeat(40);

describe('admin authentication and errors', () => {
  let t: TestApp;
  let keyAdmin: HttpClient;

  beforeAll(async () => {
    t = await startTestApp({ API_BOOTSTRAP_KEY: BOOTSTRAP_KEY });
    keyAdmin = await t.clientWithScopes('keys:admin', 'campaigns:read');
  });
  afterAll(() => t.close());

  it('answers 401 JSON without a key, with a request id in the body and the header', async () => {
    const res = await t.http.get<ErrorBody>('/api/v1/api-keys');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringContaining('API key is required') as string,
      requestId: res.headers.get('x-request-id'),
    });
  });

  it('keeps a caller-supplied X-Request-Id', async () => {
    const res = await t.http.get<ErrorBody>('/api/v1/api-keys', { 'x-request-id': 'trace-123' });
    expect(res.body.requestId).toBe('trace-123');
    expect(res.headers.get('x-request-id')).toBe('trace-123');
  });

  it('answers 401 for an unknown key, in either header', async () => {
    expect((await t.http.get('/api/v1/api-keys', { authorization: 'Bearer tl_nope' })).status).toBe(401);
    expect((await t.http.get('/api/v1/api-keys', { 'x-api-key': 'tl_nope' })).status).toBe(401);
  });

  it('answers 403 naming the missing scope when the key lacks it', async () => {
    const reader = await t.clientWithScopes('campaigns:read');
    const res = await reader.get<ErrorBody>('/api/v1/api-keys');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('this API key lacks the scope keys:admin');
    expect(res.body.details).toEqual({ required: ['keys:admin'], missing: ['keys:admin'] });
  });

  it('lets an admin key do anything', async () => {
    const admin = await t.clientWithScopes('admin');
    expect((await admin.get('/api/v1/api-keys')).status).toBe(200);
  });

  it('creates a key whose secret is shown once, lists keys without secrets, and revokes', async () => {
    const created = await keyAdmin.post<CreatedKey>('/api/v1/api-keys', {
      name: 'backend',
      scopes: ['campaigns:read'],
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^tl_[A-Za-z0-9_-]{43}$/);
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);

    const listed = await keyAdmin.get<Array<Record<string, unknown>>>('/api/v1/api-keys');
    const entry = listed.body.find((k) => k.id === created.body.id);
    expect(entry).toMatchObject({ name: 'backend', scopes: ['campaigns:read'], revokedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    const withNewKey = t.http.withHeaders({ authorization: `Bearer ${created.body.key}` });
    expect((await withNewKey.get('/api/v1/api-keys')).status).toBe(403);

    expect((await keyAdmin.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await withNewKey.get('/api/v1/api-keys')).status).toBe(401);
    expect((await keyAdmin.delete('/api/v1/api-keys/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('rejects an expired key', async () => {
    const key = 'tl_expired-key-for-the-test-000000000000000000';
    await t.app.get(ApiKeysRepository).create({
      name: 'expired',
      prefix: key.slice(0, 10),
      keyHash: hashApiKey(key),
      scopes: ['admin'],
      expiresAt: new Date(Date.now() - 1000),
    });
    const res = await t.http.get<ErrorBody>('/api/v1/api-keys', { authorization: `Bearer ${key}` });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('the API key is unknown, expired or revoked');
  });

  it('refuses to create a key that has already expired', async () => {
    const res = await keyAdmin.post<ErrorBody>('/api/v1/api-keys', {
      name: 'x',
      scopes: ['campaigns:read'],
      expiresAt: '2020-01-01T00:00:00Z',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('expiresAt must be in the future');
  });

  describe('granting scopes', () => {
    it('refuses to create a key with scopes the calling key does not hold, naming them, and creates nothing', async () => {
      const keysOnly = await t.clientWithScopes('keys:admin');
      const res = await keysOnly.post<ErrorBody>('/api/v1/api-keys', {
        name: 'escalation',
        scopes: ['keys:admin', 'admin', 'campaigns:write'],
      });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'this API key may not grant the scopes admin, campaigns:write: a key grants only scopes it holds',
        details: { notGrantable: ['admin', 'campaigns:write'], held: ['keys:admin'] },
        requestId: res.headers.get('x-request-id'),
      });
      const listed = await keyAdmin.get<Array<{ name: string }>>('/api/v1/api-keys');
      expect(listed.body.filter((k) => k.name === 'escalation')).toEqual([]);
    });

    it('lets a key grant scopes it holds', async () => {
      const res = await keyAdmin.post<CreatedKey>('/api/v1/api-keys', {
        name: 'delegated',
        scopes: ['keys:admin', 'campaigns:read'],
      });
      expect(res.status).toBe(201);
      expect(res.body.scopes).toEqual(['keys:admin', 'campaigns:read']);
    });

    it('lets an admin key grant every scope, admin included', async () => {
      const admin = await t.clientWithScopes('admin');
      const res = await admin.post<CreatedKey>('/api/v1/api-keys', { name: 'second admin', scopes: ['admin'] });
      expect(res.status).toBe(201);
      expect(res.body.scopes).toEqual(['admin']);
    });
  });

  describe('validation', () => {
    it('answers 400 naming the bad field', async () => {
      const res = await keyAdmin.post<ErrorBody>('/api/v1/api-keys', { name: 'x', scopes: ['root'] });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('each value in scopes must be one of');
      expect(res.body.details).toEqual([{ field: 'scopes', problems: [expect.stringContaining('scopes') as string] }]);
    });

    it('rejects unknown properties', async () => {
      const res = await keyAdmin.post<ErrorBody>('/api/v1/api-keys', {
        name: 'x',
        scopes: ['campaigns:read'],
        owner: 'me',
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('property owner should not exist');
    });

    it('answers malformed JSON with the same error shape', async () => {
      const res = await keyAdmin.post<ErrorBody>('/api/v1/api-keys', '{"name":', {
        'content-type': 'application/json',
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        requestId: expect.any(String) as string,
      });
    });

    it('answers 400 for a malformed id', async () => {
      expect((await keyAdmin.delete('/api/v1/api-keys/not-a-uuid')).status).toBe(400);
    });

    it('answers an unknown route with a 404 in the same shape', async () => {
      const res = await keyAdmin.get<ErrorBody>('/api/v1/nothing-here');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the first answer for the same key and body, and creates nothing new', async () => {
      const body = { name: 'idempotent', scopes: ['campaigns:read'] };
      const first = await keyAdmin.post<CreatedKey>('/api/v1/api-keys', body, { 'idempotency-key': 'create-1' });
      const again = await keyAdmin.post<CreatedKey>(
        '/api/v1/api-keys',
        { scopes: ['campaigns:read'], name: 'idempotent' },
        { 'idempotency-key': 'create-1' },
      );

      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const listed = await keyAdmin.get<Array<{ name: string }>>('/api/v1/api-keys');
      expect(listed.body.filter((k) => k.name === 'idempotent')).toHaveLength(1);
    });

    it('answers 422 when the key is reused with a different body', async () => {
      await keyAdmin.post(
        '/api/v1/api-keys',
        { name: 'a', scopes: ['campaigns:read'] },
        { 'idempotency-key': 'create-2' },
      );
      const res = await keyAdmin.post<ErrorBody>(
        '/api/v1/api-keys',
        { name: 'b', scopes: ['campaigns:read'] },
        { 'idempotency-key': 'create-2' },
      );
      expect(res.status).toBe(422);
    });

    it('does not store a failed request, so it can be retried with the same key', async () => {
      const bad = await keyAdmin.post(
        '/api/v1/api-keys',
        { name: 'c', scopes: ['nope'] },
        { 'idempotency-key': 'create-3' },
      );
      expect(bad.status).toBe(400);
      const good = await keyAdmin.post(
        '/api/v1/api-keys',
        { name: 'c', scopes: ['campaigns:read'] },
        { 'idempotency-key': 'create-3' },
      );
      expect(good.status).toBe(201);
    });

    it('scopes keys per API key', async () => {
      const other = await t.clientWithScopes('keys:admin');
      const mine = await keyAdmin.post<CreatedKey>(
        '/api/v1/api-keys',
        { name: 'd', scopes: ['keys:admin'] },
        { 'idempotency-key': 'shared' },
      );
      const theirs = await other.post<CreatedKey>(
        '/api/v1/api-keys',
        { name: 'd', scopes: ['keys:admin'] },
        { 'idempotency-key': 'shared' },
      );
      expect(theirs.body.id).not.toBe(mine.body.id);
    });
  });

  describe('bootstrap', () => {
    it('refuses a wrong bootstrap key', async () => {
      const res = await t.http.post('/api/v1/api-keys/bootstrap', {}, { 'x-bootstrap-key': 'wrong' });
      expect(res.status).toBe(401);
    });

    it('refuses once a key that manages keys exists', async () => {
      const res = await t.http.post<ErrorBody>('/api/v1/api-keys/bootstrap', {}, { 'x-bootstrap-key': BOOTSTRAP_KEY });
      expect(res.status).toBe(409);
    });
  });
});

describe('bootstrapping the first admin key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ API_BOOTSTRAP_KEY: BOOTSTRAP_KEY });
  });
  afterAll(() => t.close());

  it('creates exactly one admin key even when asked twice at once', async () => {
    const results = await Promise.all([
      t.http.post<CreatedKey>('/api/v1/api-keys/bootstrap', { name: 'first' }, { 'x-bootstrap-key': BOOTSTRAP_KEY }),
      t.http.post<CreatedKey>('/api/v1/api-keys/bootstrap', { name: 'first' }, { 'x-bootstrap-key': BOOTSTRAP_KEY }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const created = results.find((r) => r.status === 201)!;
    expect(created.body.scopes).toEqual(['admin']);
    const admin = t.http.withHeaders({ authorization: `Bearer ${created.body.key}` });
    expect((await admin.get<unknown[]>('/api/v1/api-keys')).body).toHaveLength(1);
  });
});

describe('without a bootstrap key configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers 403 and says how to enable it', async () => {
    const res = await t.http.post<ErrorBody>('/api/v1/api-keys/bootstrap', {}, { 'x-bootstrap-key': BOOTSTRAP_KEY });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('API_BOOTSTRAP_KEY');
  });
});
