import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { DfoChannel, DfoOneTimeTokenVerification } from '@/integrations/cxone/dfo.types';
import { SimAuthService } from '@/simulator/auth/auth.service';
import { DfoAuth, DfoAuthGuard } from '@/simulator/auth/dfo-auth.guard';
import { BaseUrl, Received, setTenant, SimOperation, SimRequestContext } from '@/simulator/traffic/request-context';
import { ChannelsService } from './channels.service';

/** The Channel API a BYOC admin UI uses, and the one-time-token verification that opens it (cxone-api.md §1.1, §3.4). */
@Controller('dfo/3.0')
@UseGuards(DfoAuthGuard)
export class ChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly auth: SimAuthService,
  ) {}

  @Get('channels')
  @DfoAuth('channelAdmin')
  @SimOperation('channels')
  list(@Query() query: Record<string, unknown>): DfoChannel[] {
    return this.channels.list(query);
  }

  @Post('channels')
  @HttpCode(200)
  @DfoAuth('channelAdmin')
  @SimOperation('channels')
  upsert(@Body() body: unknown): DfoChannel {
    return this.channels.upsert(body).channel;
  }

  @Delete('channels/:channelId')
  @HttpCode(204)
  @DfoAuth('channelAdmin')
  @SimOperation('channels')
  remove(@Param('channelId') channelId: string): void {
    this.channels.delete(channelId);
  }

  /** Called without Authorization (as NICE's sample does). */
  @Post('one-time-token/verification')
  @HttpCode(200)
  @DfoAuth('none')
  @SimOperation('oneTimeToken')
  verify(
    @Body() body: unknown,
    @BaseUrl() base: string,
    @Received() context: SimRequestContext,
  ): DfoOneTimeTokenVerification {
    const { tenantId, response } = this.auth.verifyOneTimeToken(body, base);
    setTenant(context, tenantId);
    return response;
  }
}
