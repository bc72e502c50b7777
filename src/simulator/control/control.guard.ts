import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '@/config';
import { ControlError } from '@/simulator/common/sim-errors';

/** The control API (/sim/*) needs `Authorization: Bearer <SIMULATOR_CONTROL_TOKEN>`, when that token is configured. */
@Injectable()
export class ControlGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(config: AppConfig) {
    this.expected = config.simulator.controlToken ? Buffer.from(`Bearer ${config.simulator.controlToken}`) : null;
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = ctx.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const given = Buffer.from(header);
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return true;
    throw new ControlError(401, 'the control API needs Authorization: Bearer <SIMULATOR_CONTROL_TOKEN>');
  }
}
