import { Body, Controller, Get, Header, Headers, HttpCode, Post, Query } from '@nestjs/common';
import type { CxoneConfiguration, OpenIdConfiguration, TokenResponse } from '@/integrations/cxone/dfo.types';
import { BaseUrl, Received, setTenant, SimOperation, SimRequestContext } from '@/simulator/traffic/request-context';
import { SimAuthService } from './auth.service';

/** Discovery and token endpoints, at the issuer's root (cxone-api.md §1.1). */
@Controller()
export class AuthController {
  constructor(private readonly auth: SimAuthService) {}

  @Get('.well-known/openid-configuration')
  @SimOperation('discovery')
  openIdConfiguration(@BaseUrl() base: string): OpenIdConfiguration {
    return this.auth.openIdConfiguration(base);
  }

  @Get('.well-known/cxone-configuration')
  @SimOperation('discovery')
  cxoneConfiguration(
    @BaseUrl() base: string,
    @Query('tenantId') tenantId: unknown,
    @Received() context: SimRequestContext,
  ): CxoneConfiguration {
    const answer = this.auth.cxoneConfiguration(base, tenantId);
    setTenant(context, answer.tenantId as string);
    return answer;
  }

  @Post('auth/token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @SimOperation('token')
  platformToken(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @BaseUrl() base: string,
    @Received() context: SimRequestContext,
  ): TokenResponse {
    const { tenantId, response } = this.auth.platformToken(authorization, body, base);
    setTenant(context, tenantId);
    return response;
  }

  @Post('engager/2.0/token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @SimOperation('token')
  legacyToken(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @BaseUrl() base: string,
    @Received() context: SimRequestContext,
  ): TokenResponse {
    const { tenantId, response } = this.auth.legacyToken(authorization, body, base);
    setTenant(context, tenantId);
    return response;
  }
}
