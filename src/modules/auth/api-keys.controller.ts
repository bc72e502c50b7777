import { Body, Controller, Delete, Get, Headers, HttpCode, Ip, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { NotFoundError } from '@/infra/errors/domain-error';
import { CurrentPrincipal, Public, RequireScopes } from '@/infra/auth/auth.decorators';
import { AuthFailureThrottle } from '@/infra/rate-limit/auth-failure-throttle';
import { ApiKeysService } from './api-keys.service';
import type { ApiKeyPrincipal } from '@/infra/auth/principal';
import { ApiKeyResponse, BootstrapApiKeyDto, CreateApiKeyDto, CreatedApiKeyResponse } from './dto/api-key.dto';

@ApiTags('API keys')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  @Post()
  @ApiBearerAuth()
  @RequireScopes('keys:admin')
  @ApiOperation({
    summary: 'Create an API key; the secret is in the answer only',
    description: 'A key grants only scopes it holds itself (`admin` holds them all); others are refused with 403.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  create(
    @Body() dto: CreateApiKeyDto,
    @CurrentPrincipal('api-key') creator: ApiKeyPrincipal,
  ): Promise<CreatedApiKeyResponse> {
    return this.apiKeys.create(dto, creator);
  }

  @Get()
  @ApiBearerAuth()
  @RequireScopes('keys:admin')
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiOkResponse({ type: ApiKeyResponse, isArray: true })
  list(): Promise<ApiKeyResponse[]> {
    return this.apiKeys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiBearerAuth()
  @RequireScopes('keys:admin')
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse()
  async revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    if (!(await this.apiKeys.revoke(id))) throw new NotFoundError(`no API key ${id}`);
  }

  @Post('bootstrap')
  @Public()
  @ApiOperation({
    summary: 'Create the first admin key with the bootstrap key from API_BOOTSTRAP_KEY',
    description: 'Works only while no usable key holds `admin` or `keys:admin`.',
  })
  @ApiHeader({ name: 'X-Bootstrap-Key', required: true })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  bootstrap(
    @Ip() sourceAddress: string,
    @Headers('x-bootstrap-key') bootstrapKey: string | undefined,
    @Body() dto: BootstrapApiKeyDto,
  ): Promise<CreatedApiKeyResponse> {
    // A wrong bootstrap key is a failed authentication like a wrong API key: throttled per address.
    return this.throttle.check(sourceAddress, () => this.apiKeys.bootstrap(bootstrapKey, dto.name));
  }
}
