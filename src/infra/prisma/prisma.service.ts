import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, PoolClient } from 'pg';
import { AppConfig } from '@/config';
import { PrismaClient } from './generated/client';

/**
 * The Prisma client over one pg Pool. Only repositories inject it (STYLE.md). The pool is exposed for the few bulk
 * paths Prisma has no API for (COPY), so they share connections and limits with Prisma.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  readonly pool: Pool;

  constructor(config: AppConfig) {
    const pool = new Pool({
      connectionString: config.database.url,
      max: config.database.poolMax,
      application_name: `threadline-${config.app.role}`,
    });
    super({ adapter: new PrismaPg(pool, { disposeExternalPool: false }) });
    this.pool = pool;
    // An idle client losing its server (restart, failover) must not crash the process; the pool replaces it.
    pool.on('error', (err) => this.logger.warn(`PostgreSQL pool client error: ${err.message}`));
  }

  /** `work` in one transaction on a pooled connection (raw SQL, COPY): rolled back when it throws. */
  async poolTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
  }
}
