import { Controller, Get } from '@nestjs/common';

/** Liveness for the compose healthcheck (no auth, not logged). */
@Controller('health')
export class HealthController {
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
