import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { DfoExternalPlatformTemplate, DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { DfoAuthGuard } from '@/simulator/auth/dfo-auth.guard';
import { annotate, Received, SimOperation, SimRequestContext } from '@/simulator/traffic/request-context';
import { ChannelsService } from './channels.service';
import { MessagingService } from './messaging.service';
import { ThreadsService } from './threads.service';

function recordOutcome(context: SimRequestContext, answer: DfoMessageResponse): DfoMessageResponse {
  annotate(context, {
    messageId: answer.message?.id,
    idOnExternalPlatform: answer.message?.idOnExternalPlatform,
    contactNumber: answer.consumerContact?.id,
  });
  return answer;
}

function tenantOf(context: SimRequestContext): string {
  return context.tenantId!; // set by DfoAuthGuard
}

/** DFO message, thread and template routes (cxone-api.md §3.1, §3.3, §3.4). */
@Controller('dfo/3.0/channels/:channelId')
@UseGuards(DfoAuthGuard)
export class MessagesController {
  constructor(
    private readonly messaging: MessagingService,
    private readonly threads: ThreadsService,
    private readonly channels: ChannelsService,
  ) {}

  @Post('messages')
  @HttpCode(200)
  @SimOperation('createMessage')
  createMessage(
    @Param('channelId') channelId: string,
    @Body() body: unknown,
    @Received() context: SimRequestContext,
  ): DfoMessageResponse {
    return recordOutcome(context, this.messaging.createMessage(tenantOf(context), channelId, body));
  }

  @Post('outbound')
  @HttpCode(200)
  @SimOperation('outbound')
  outbound(
    @Param('channelId') channelId: string,
    @Body() body: unknown,
    @Received() context: SimRequestContext,
  ): DfoMessageResponse {
    return recordOutcome(context, this.messaging.outbound(tenantOf(context), channelId, body, context.at));
  }

  @Put('messages/:messageId/status')
  @HttpCode(204)
  @SimOperation('deliveryStatus')
  deliveryStatus(
    @Param('channelId') channelId: string,
    @Param('messageId') messageId: string,
    @Body() body: unknown,
  ): void {
    this.threads.deliveryStatus(channelId, messageId, body);
  }

  @Put('threads/:threadId')
  @HttpCode(204)
  @SimOperation('threadLock')
  updateThread(@Param('channelId') channelId: string, @Param('threadId') threadId: string, @Body() body: unknown) {
    this.threads.update(channelId, threadId, body);
  }

  @Post('threads/:threadId/sender-actions')
  @HttpCode(204)
  @SimOperation('senderAction')
  senderAction(@Param('channelId') channelId: string, @Param('threadId') threadId: string, @Body() body: unknown) {
    this.threads.senderAction(channelId, threadId, body);
  }

  @Get('external-platform-templates')
  @SimOperation('templates')
  templates(@Param('channelId') channelId: string): {
    totalRecords: number;
    data: DfoExternalPlatformTemplate[];
    _links: object;
  } {
    return this.channels.templates(channelId);
  }
}
