import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { CampaignsService } from './campaigns.service';

/**
 * A 404 for an unknown campaign before a Server-Sent Events route starts. Nest commits an @Sse() route's headers one
 * macrotask after it calls the handler, so a check in the handler that waits for the database loses that race about
 * half the time, and the 404 arrives as an SSE `error` event under a 200. Guards are awaited before the handler is
 * called. A malformed id is left to the route's ParseUUIDPipe (a 400).
 */
@Injectable()
export class CampaignExistsGuard implements CanActivate {
  constructor(private readonly campaigns: CampaignsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { id } = context.switchToHttp().getRequest<FastifyRequest<{ Params: { id?: string } }>>().params;
    if (typeof id === 'string' && isUUID(id)) await this.campaigns.get(id);
    return true;
  }
}
