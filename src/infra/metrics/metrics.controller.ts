import { Controller, Get, Header, Headers, Ip, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '@/config';
import { Public } from '@/infra/auth/auth.decorators';
import { AuthFailureThrottle } from '@/infra/rate-limit/auth-failure-throttle';
import { checkMetricsToken } from './metrics-token';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrape endpoint on the main port, when METRICS_PORT is unset (else MetricsServer serves it there). Open
 * by default (keep it on an internal network) or bearer-protected with METRICS_TOKEN.
 */
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
    await this.throttle.check(sourceAddress, () => checkMetricsToken(this.config.metrics.token, authorization));
    const { contentType, body } = await this.metrics.render();
    await reply.type(contentType).send(body);
  }
}
