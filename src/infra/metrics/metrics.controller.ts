import { Controller, Get, Header, Headers, Ip, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '@/config';
import { UnauthenticatedError } from '@/infra/errors/domain-error';
import { AuthFailureThrottle } from '@/infra/rate-limit/auth-failure-throttle';
import { Public } from '@/modules/auth/auth.decorators';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint. Open by default (keep it on an internal network) or bearer-protected with METRICS_TOKEN. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  @Public()
  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Ip() sourceAddress: string,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const token = this.config.metrics.token;
    if (token) {
      await this.throttle.check(sourceAddress, () =>
        bearerMatches(authorization, token)
          ? Promise.resolve()
          : Promise.reject(new UnauthenticatedError('a valid METRICS_TOKEN bearer token is required')),
      );
    }
    const { contentType, body } = await this.metrics.render();
    await reply.type(contentType).send(body);
  }
}

function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
