import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@/config';
import { createApp } from '@/bootstrap';
import { ApiKeysService, OPERATOR } from '@/modules/auth/api-keys.service';
import type { Scope } from '@/infra/auth/scopes';
import { createTestDatabase, TestDatabase } from './database';
import { HttpClient } from './http';
import { deleteKeys, testRedis, testRedisPrefix } from './redis';
import { TEST_REDIS_URL } from './test-env';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  http: HttpClient;
  /** Creates an API key through the service and returns an HttpClient that sends it. */
  clientWithScopes(...scopes: Scope[]): Promise<HttpClient>;
  close(): Promise<void>;
}

/**
 * Starts the real application in this process on a random port, with its own fresh database and Redis prefix.
 * `env` overrides configuration (e.g. APP_ROLE).
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const prefix = testRedisPrefix();
  const config = AppConfig.load(
    {},
    {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'error',
      ...env,
    },
  );
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const http = new HttpClient(await app.getUrl());
  return {
    app,
    config,
    db,
    http,
    async clientWithScopes(...scopes) {
      const created = await app.get(ApiKeysService).create({ name: `test ${scopes.join(' ')}`, scopes }, OPERATOR);
      return http.withHeaders({ authorization: `Bearer ${created.key}` });
    },
    async close() {
      await app.close();
      await db.drop();
      const redis = testRedis();
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}
