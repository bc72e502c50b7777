import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { CallbackClientsService } from './callback-clients.service';
import {
  CallbackClientResponse,
  CreateCallbackClientDto,
  CreatedCallbackClientResponse,
  RotatedCallbackClientResponse,
} from './dto/callback-client.dto';

/** The credentials CXone uses to call a BYOC channel's endpoints (enter them in CXone's BYOC integration). */
@ApiTags('BYOC')
@ApiBearerAuth()
@Controller('api/v1')
export class CallbackClientsController {
  constructor(private readonly clients: CallbackClientsService) {}

  @Post('channels/:channelId/callback-clients')
  @RequireScopes('channels:admin')
  @ApiOperation({ summary: 'Create CXone callback credentials for a BYOC channel; the secret is in this answer only' })
  @ApiCreatedResponse({ type: CreatedCallbackClientResponse })
  create(
    @Param('channelId', new ParseUUIDPipe()) channelId: string,
    @Body() dto: CreateCallbackClientDto,
  ): Promise<CreatedCallbackClientResponse> {
    return this.clients.create(channelId, dto);
  }

  @Get('channels/:channelId/callback-clients')
  @RequireScopes('channels:read')
  @ApiOkResponse({ type: CallbackClientResponse, isArray: true })
  list(@Param('channelId', new ParseUUIDPipe()) channelId: string): Promise<CallbackClientResponse[]> {
    return this.clients.list(channelId);
  }

  @Post('callback-clients/:id/rotate')
  @HttpCode(200)
  @RequireScopes('channels:admin')
  @ApiOperation({
    summary: 'A new secret (in this answer only); the old one keeps working for BYOC_SECRET_GRACE_SECONDS',
  })
  @ApiOkResponse({ type: RotatedCallbackClientResponse })
  rotate(@Param('id', new ParseUUIDPipe()) id: string): Promise<RotatedCallbackClientResponse> {
    return this.clients.rotate(id);
  }

  @Delete('callback-clients/:id')
  @HttpCode(204)
  @RequireScopes('channels:admin')
  @ApiOperation({ summary: 'Revoke: the credentials and every token issued with them stop working at once' })
  async revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.clients.revoke(id);
  }
}
