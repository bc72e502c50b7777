import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DfoChannel, DfoExternalPlatformTemplate, DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { AgentCallResult, AgentService } from '@/simulator/agent/agent.service';
import { SimAuthService } from '@/simulator/auth/auth.service';
import { NativeOptOut, SimOptOut } from '@/simulator/consent/native-opt-out';
import { ChannelsService } from '@/simulator/dfo/channels.service';
import { AttemptResult, WebhookDispatcher } from '@/simulator/events/webhook-dispatcher';
import type { SimDfoContact } from '@/simulator/dfo/dfo-mappers';
import { SimSettings } from '@/simulator/state/sim-settings';
import { TenantRegistry } from '@/simulator/state/tenants';
import { FaultInjector, OneShotFault } from '@/simulator/traffic/fault-injector';
import { ControlGuard } from './control.guard';
import { ClockView, ControlService } from './control.service';
import { NoNulBytesGuard } from './nul-bytes';

type Query = Record<string, unknown>;

/** Inspection: what the simulator received and holds (tests and benchmarks read these). */
@Controller('sim')
@UseGuards(ControlGuard, NoNulBytesGuard)
export class InspectionController {
  constructor(
    private readonly control: ControlService,
    private readonly optOut: NativeOptOut,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  @Get('requests')
  requests(@Query() query: Query): Array<Record<string, unknown>> {
    return this.control.requests(query);
  }

  @Get('stats')
  stats(): Record<string, unknown> {
    return this.control.statistics();
  }

  @Get('contacts')
  contacts(@Query() query: Query) {
    return this.control.contacts(query);
  }

  @Get('threads')
  threads(@Query() query: Query) {
    return this.control.threads(query);
  }

  @Get('messages')
  messages(@Query() query: Query) {
    return this.control.messages(query);
  }

  @Get('opt-outs')
  optOuts(@Query() query: Query): SimOptOut[] {
    return this.optOut.list(typeof query.channelId === 'string' && query.channelId ? query.channelId : undefined);
  }

  @Get('webhooks')
  webhookEvents(@Query() query: Query): Array<Record<string, unknown>> {
    return this.webhooks.list(query);
  }
}

/** Administration: settings, reset, the clock, tenants, tokens, channels and templates, faults. */
@Controller('sim')
@UseGuards(ControlGuard, NoNulBytesGuard)
export class AdminController {
  constructor(
    private readonly control: ControlService,
    private readonly settings: SimSettings,
    private readonly tenants: TenantRegistry,
    private readonly auth: SimAuthService,
    private readonly channels: ChannelsService,
    private readonly faults: FaultInjector,
    private readonly optOut: NativeOptOut,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  @Get('config')
  config(): Record<string, unknown> {
    return this.settings.describe();
  }

  @Patch('config')
  patchConfig(@Body() body: unknown): Record<string, unknown> {
    this.settings.patch(body);
    return this.settings.describe();
  }

  @Post('reset')
  @HttpCode(200)
  reset(): { status: 'reset' } {
    this.control.reset();
    return { status: 'reset' };
  }

  @Get('tenants')
  tenantList(): Array<Record<string, unknown>> {
    return this.tenants.list().map((t) => TenantRegistry.describe(t));
  }

  @Post('tenants')
  addTenant(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Record<string, unknown> {
    const { tenant, created } = this.tenants.upsert(body);
    void reply.code(created ? 201 : 200);
    return TenantRegistry.describe(tenant);
  }

  @Get('clock')
  clock(): ClockView {
    return this.control.clockView();
  }

  @Post('clock')
  @HttpCode(200)
  advanceClock(@Body() body: unknown): ClockView {
    return this.control.advanceClock(body);
  }

  @Post('tokens/expire')
  @HttpCode(200)
  expireTokens(): { expired: number } {
    return this.control.expireTokens();
  }

  @Post('one-time-tokens')
  oneTimeToken(@Body() body: unknown) {
    return this.auth.issueOneTimeToken(body);
  }

  @Get('channels')
  channelList(): DfoChannel[] {
    return this.channels.list();
  }

  @Post('channels')
  addChannel(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): DfoChannel {
    const { channel, created } = this.control.addChannel(body);
    void reply.code(created ? 201 : 200);
    return channel;
  }

  @Get('channels/:channelId/settings')
  channelSettings(@Param('channelId') channelId: string) {
    return this.channels.channelSettings(channelId);
  }

  @Patch('channels/:channelId/settings')
  patchChannelSettings(@Param('channelId') channelId: string, @Body() body: unknown) {
    return this.channels.patchChannelSettings(channelId, body);
  }

  @Post('channels/:channelId/templates')
  addTemplate(@Param('channelId') channelId: string, @Body() body: unknown): DfoExternalPlatformTemplate {
    return this.channels.addTemplate(channelId, body);
  }

  @Get('faults')
  pendingFaults(): OneShotFault[] {
    return this.faults.pending();
  }

  @Post('faults')
  addFault(@Body() body: unknown): OneShotFault {
    return this.faults.add(body);
  }

  @Delete('faults')
  @HttpCode(204)
  clearFaults(): void {
    this.faults.clear();
  }

  @Post('opt-outs')
  addOptOut(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): SimOptOut {
    const { entry, created } = this.optOut.add(body);
    void reply.code(created ? 201 : 200);
    return entry;
  }

  @Delete('opt-outs/:channelId/:idOnExternalPlatform')
  @HttpCode(204)
  removeOptOut(@Param('channelId') channelId: string, @Param('idOnExternalPlatform') id: string): void {
    this.optOut.remove(channelId, id);
  }

  /** 200 when the webhook answered (whatever it said: see `status`), 502 when it could not be reached. */
  @Post('webhooks/:eventId/redeliver')
  async redeliver(
    @Param('eventId') eventId: string,
    @Body() body: unknown,
    @Query() query: Query,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AttemptResult> {
    const result = await this.webhooks.redeliver(eventId, body, query);
    void reply.code(result.status === null ? 502 : 200);
    return result;
  }
}

/** The people on CXone's side: agents and customers. */
@Controller('sim')
@UseGuards(ControlGuard, NoNulBytesGuard)
export class PeopleController {
  constructor(private readonly agent: AgentService) {}

  @Post('agent/reply')
  async agentReply(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<AgentCallResult> {
    return withGatewayStatus(reply, await this.agent.reply(body));
  }

  @Post('agent/outbound')
  async agentOutbound(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    return withGatewayStatus(reply, await this.agent.outbound(body));
  }

  @Post('agent/typing')
  async agentTyping(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    return withGatewayStatus(reply, await this.agent.typing(body));
  }

  @Post('contacts/:contactNumber/status')
  @HttpCode(200)
  contactStatus(@Param('contactNumber') contactNumber: string, @Body() body: unknown): SimDfoContact {
    return this.agent.setContactStatus(contactNumber, body);
  }

  @Post('customer/reply')
  @HttpCode(200)
  customerReply(@Body() body: unknown): DfoMessageResponse {
    return this.agent.customerReply(body);
  }
}

/** 200 when the middleware answered (whatever it said: see `status`), 502 when it could not be reached. */
function withGatewayStatus(reply: FastifyReply, result: AgentCallResult): AgentCallResult {
  void reply.code(result.status === null && result.deliveredVia === 'middleware' ? 502 : 200);
  return result;
}
