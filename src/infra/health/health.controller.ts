import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { setTimeout as sleep } from 'node:timers/promises';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { HealthRepository } from './health.repository';
import { RedisService } from '@/infra/redis/redis.service';
import { Public } from '@/infra/auth/auth.decorators';

/** A probe that has no answer by then reports the dependency down (Kubernetes probes time out at 1 s). */
const CHECK_TIMEOUT_MS = 500;

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly repository: HealthRepository,
    private readonly redis: RedisService,
    private readonly lifecycle: LifecycleService,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process is up and its event loop answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer, and the process is not shutting down (else 503)' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.probe('database', () => this.repository.pingDatabase()),
      () => this.probe('redis', () => this.redis.ping()),
      () => {
        const session = this.indicators.check('process');
        return this.lifecycle.isDraining ? session.down({ message: 'shutting down' }) : session.up();
      },
    ]);
  }

  private async probe(key: string, ping: () => Promise<void>) {
    const session = this.indicators.check(key);
    const started = Date.now();
    try {
      await Promise.race([
        ping(),
        sleep(CHECK_TIMEOUT_MS, undefined, { ref: false }).then(() => {
          throw new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`);
        }),
      ]);
      return session.up({ latencyMs: Date.now() - started });
    } catch (err) {
      return session.down({ message: err instanceof Error ? err.message : String(err) });
    }
  }
}
