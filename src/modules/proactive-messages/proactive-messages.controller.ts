import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { MessageResponse, SendMessageDto } from './dto/proactive-message.dto';
import { ProactiveMessagesService } from './proactive-messages.service';

@ApiTags('Proactive messages')
@ApiBearerAuth()
@Controller('api/v1/messages')
export class ProactiveMessagesController {
  constructor(private readonly messages: ProactiveMessagesService) {}

  @Post()
  @HttpCode(202)
  @RequireScopes('messages:write')
  @ApiOperation({
    summary: 'Send one proactive message through CXone (paced, retried, and checked for opt-out like campaigns)',
  })
  @ApiAcceptedResponse({ type: MessageResponse })
  send(@Body() dto: SendMessageDto): Promise<MessageResponse> {
    return this.messages.send(dto);
  }

  @Get(':id')
  @RequireScopes('messages:read')
  @ApiOperation({ summary: 'A proactive message: its state and CXone ids' })
  @ApiOkResponse({ type: MessageResponse })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<MessageResponse> {
    return this.messages.get(id);
  }
}
