import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { DfoChannel, DfoExternalPlatformTemplate, DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { AgentCallResult, AgentService } from '@/simulator/agent/agent.service';
import { SimAuthService } from '@/simulator/auth/auth.service';
import { ChannelsService } from '@/simulator/dfo/channels.service';
import type { SimDfoContact } from '@/simulator/dfo/dfo-mappers';
import { SimSettings } from '@/simulator/state/sim-settings';
import { TenantRegistry } from '@/simulator/state/tenants';
import { FaultInjector, OneShotFault } from '@/simulator/traffic/fault-injector';
import { ControlGuard } from './control.guard';
import { ControlService } from './control.service';

type Query = Record<string, unknown>;

/** Inspection: what the simulator received and holds (tests and benchmarks read these). */
@Controller('sim')
@UseGuards(ControlGuard)
export class InspectionController {
  constructor(private readonly control: ControlService) {}

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
}

/** Administration: settings, reset, tenants, tokens, channels and templates, faults. */
@Controller('sim')
@UseGuards(ControlGuard)
export class AdminController {
  constructor(
    private readonly control: ControlService,
    private readonly settings: SimSettings,
    private readonly tenants: TenantRegistry,
    private readonly auth: SimAuthService,
    private readonly channels: ChannelsService,
    private readonly faults: FaultInjector,
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
}

/** The people on CXone's side: agents and customers. */
@Controller('sim')
@UseGuards(ControlGuard)
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
