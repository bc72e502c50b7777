import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthStrategy, CurrentPrincipal, Public } from '@/infra/auth/auth.decorators';
import type { WidgetPrincipal } from '@/infra/auth/principal';
import type { MessageView, ThreadView } from '@/modules/conversations/conversation-views';
import {
  ConversationResponse,
  MessageViewDto,
  PostMessageDto,
  SessionResponse,
  StartSessionDto,
  ThreadViewDto,
  TypingDto,
} from './dto/widget.dto';
import { WidgetCors } from './widget-cors';
import { WIDGET_SESSION_STRATEGY } from './widget-session.strategy';
import { WidgetService } from './widget.service';
import { WidgetStreams } from './widget-streams';

/** The public API chat widgets call from a browser (BYOC chat channels). */
@ApiTags('Chat widget')
@Controller('widget/v1')
@AuthStrategy(WIDGET_SESSION_STRATEGY)
export class WidgetController {
  constructor(
    private readonly widget: WidgetService,
    private readonly streams: WidgetStreams,
    private readonly cors: WidgetCors,
  ) {}

  @Post('channels/:channelId/sessions')
  @Public()
  @ApiOperation({
    summary:
      'Start a session for one customer of a BYOC chat channel (anonymous, or a customer id your backend signed)',
  })
  @ApiOkResponse({ type: SessionResponse })
  startSession(
    @Param('channelId', new ParseUUIDPipe()) channelId: string,
    @Body() dto: StartSessionDto,
    @Headers('origin') origin: string | undefined,
  ): Promise<SessionResponse> {
    return this.widget.startSession(channelId, dto, origin);
  }

  @Get('demo-channel')
  @Public()
  @ApiOperation({ summary: 'Development only: the simulator chat channel the demo page talks to' })
  demoChannel(): Promise<{ channelId: string }> {
    return this.widget.demoChannel();
  }

  @Get('conversation')
  @ApiOperation({ summary: "The customer's current conversation and its messages, oldest first" })
  @ApiOkResponse({ type: ConversationResponse })
  conversation(@CurrentPrincipal('widget') session: WidgetPrincipal): Promise<ConversationResponse> {
    return this.widget.conversation(session);
  }

  @Post('conversation')
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a new conversation (the open one, if there is one)' })
  @ApiOkResponse({ type: ThreadViewDto })
  startConversation(@CurrentPrincipal('widget') session: WidgetPrincipal): Promise<ThreadView> {
    return this.widget.startConversation(session);
  }

  @Post('conversation/end')
  @HttpCode(200)
  @ApiOperation({ summary: 'The customer ends the conversation (the agent sees it end in CXone)' })
  @ApiOkResponse({ type: ThreadViewDto })
  endConversation(@CurrentPrincipal('widget') session: WidgetPrincipal): Promise<ThreadView> {
    return this.widget.endConversation(session);
  }

  @Post('messages')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Post a message (stored, then relayed to CXone); the same clientMessageId twice is one message; 409 when the conversation ended',
  })
  @ApiOkResponse({ type: MessageViewDto })
  post(@CurrentPrincipal('widget') session: WidgetPrincipal, @Body() dto: PostMessageDto): Promise<MessageView> {
    return this.widget.post(session, dto);
  }

  @Post('typing')
  @HttpCode(204)
  @ApiOperation({ summary: 'The customer is typing (or stopped): CXone shows it to the agent' })
  async typing(@CurrentPrincipal('widget') session: WidgetPrincipal, @Body() dto: TypingDto): Promise<void> {
    await this.widget.typing(session, dto.typing);
  }

  @Get('events')
  @ApiOperation({
    summary:
      'Server-Sent Events: message (id = stream position), message-state, typing, conversation; ?token= for EventSource; Last-Event-ID replays',
  })
  async events(
    @CurrentPrincipal('widget') session: WidgetPrincipal,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('lastEventId') lastEventIdQuery: string | undefined,
    @Headers('origin') origin: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { channel, contactId } = await this.widget.contactOf(session);
    await this.streams.serve(
      reply,
      { channel, customerId: session.customerId, contactId },
      lastEventId ?? lastEventIdQuery,
      this.cors.headersFor(origin),
    );
  }
}
