import { PrismaService } from '@/infra/prisma/prisma.service';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { startTestApp, TestApp } from '@test/helpers/app';
import type { HttpClient } from '@test/helpers/http';

interface Account {
  id: string;
  name: string;
  isDefault: boolean;
  hasAccessKey: boolean;
  rateLimitPerSecond: number;
}

describe('CXone accounts', () => {
  let t: TestApp;
  let admin: HttpClient;

  beforeAll(async () => {
    t = await startTestApp({ CREDENTIALS_ENCRYPTION_KEY: 'c'.repeat(64) });
    admin = await t.clientWithScopes('accounts:admin');
  });
  afterAll(() => t.close());

  it('has the default account from the environment (the simulator when no tenant is configured)', async () => {
    const accounts = (await admin.get<Account[]>('/api/v1/accounts')).body;
    expect(accounts).toEqual([
      expect.objectContaining({ name: 'default', isDefault: true, rateLimitPerSecond: 40, hasAccessKey: true }),
    ]);
  });

  it('stores credentials encrypted and never returns them', async () => {
    const created = await admin.post<Account>('/api/v1/accounts', {
      name: 'acme-na1',
      authMode: 'PASSWORD',
      issuerUrl: 'https://cxone.niceincontact.com',
      clientId: 'acme-client',
      clientSecret: 'super-secret-client',
      accessKeyId: 'AKID123',
      accessKeySecret: 'super-secret-key',
      rateLimitPerSecond: 25,
    });
    expect(created.status).toBe(201);
    expect(created.text).not.toContain('super-secret');
    expect(created.body).toMatchObject({
      name: 'acme-na1',
      hasAccessKey: true,
      rateLimitPerSecond: 25,
      isDefault: false,
    });
    const row = await t.app.get(PrismaService).cxoneAccount.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(JSON.stringify(row)).not.toContain('super-secret');
    const resolved = await t.app.get(AccountsService).resolve(created.body.id);
    expect(resolved.settings).toMatchObject({
      clientSecret: 'super-secret-client',
      accessKeySecret: 'super-secret-key',
    });
  });

  it('refuses incomplete settings and duplicate names', async () => {
    const incomplete = await admin.post<{ message: string }>('/api/v1/accounts', {
      name: 'half',
      authMode: 'PASSWORD',
      issuerUrl: 'https://cxone.niceincontact.com',
      clientId: 'x',
      clientSecret: 'y',
    });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.message).toContain('accessKeyId and accessKeySecret are required');
    const body = {
      name: 'twice',
      authMode: 'CLIENT_CREDENTIALS',
      issuerUrl: 'https://cxone.niceincontact.com',
      clientId: 'x',
      clientSecret: 'y',
    };
    expect((await admin.post('/api/v1/accounts', body)).status).toBe(201);
    expect((await admin.post('/api/v1/accounts', body)).status).toBe(409);
  });

  it('keeps a rate changed at run time when the process restarts', async () => {
    const [defaults] = (await admin.get<Account[]>('/api/v1/accounts')).body.filter((a) => a.isDefault);
    await admin.patch(`/api/v1/accounts/${defaults.id}`, { rateLimitPerSecond: 12 });

    await t.app.get(AccountsService).onApplicationBootstrap(); // what every process does at start-up

    expect((await admin.get<Account>(`/api/v1/accounts/${defaults.id}`)).body.rateLimitPerSecond).toBe(12);
  });
});
