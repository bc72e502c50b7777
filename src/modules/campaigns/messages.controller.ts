import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@/modules/auth/auth.decorators';
import { CampaignsService } from './campaigns.service';
import { MessageResponse, SendMessageDto } from './dto/campaign.dto';

@ApiTags('Proactive messages')
@ApiBearerAuth()
@Controller('api/v1/messages')
export class MessagesController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @HttpCode(202)
  @RequireScopes('messages:write')
  @ApiOperation({
    summary: 'Send one proactive message through CXone (paced, retried, and checked for opt-out like campaigns)',
  })
  @ApiAcceptedResponse({ type: MessageResponse })
  send(@Body() dto: SendMessageDto): Promise<MessageResponse> {
    return this.campaigns.sendMessage(dto);
  }

  @Get(':id')
  @RequireScopes('messages:read')
  @ApiOperation({ summary: 'A proactive message: its state and CXone ids' })
  @ApiOkResponse({ type: MessageResponse })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<MessageResponse> {
    return this.campaigns.getMessage(id);
  }
}
