import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  PipeTransform,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '@/infra/auth/auth.decorators';
import { rawBodyOf } from '@/infra/http/body-parsers';
import { CxoneEventsService, ReceivedEvent } from './cxone-events.service';

/** An account id, or `default` for the account configured through the environment. */
class ParseAccountIdPipe implements PipeTransform<string, Promise<string>> {
  private readonly uuid = new ParseUUIDPipe();

  transform(value: string): Promise<string> {
    return value === 'default' ? Promise.resolve(value) : this.uuid.transform(value, { type: 'param' });
  }
}

/**
 * Where CXone (or the simulator) pushes DFO events for an account. Public: the request's signature (or bearer secret)
 * with the account's webhook secret is the authorization.
 */
@ApiTags('CXone events')
@Controller('webhooks/cxone')
export class CxoneEventsController {
  constructor(private readonly events: CxoneEventsService) {}

  @Post(':accountId') // an account id, or `default`
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'A CXone event push (MessageCreated, MessageAddedIntoCase, CaseStatusChanged): stored once, processed from a queue',
    description:
      'Signed with the account webhook secret (x-cxone-timestamp, x-cxone-signature: sha256=HMAC("<timestamp>.<body>")) ' +
      'or Authorization: Bearer <secret>. 202 when stored, 200 for an event id already received; 401 changes nothing.',
  })
  async receive(
    @Param('accountId', new ParseAccountIdPipe()) accountId: string,
    @Headers('x-cxone-signature') signature: string | undefined,
    @Headers('x-cxone-timestamp') timestamp: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReceivedEvent> {
    const received = await this.events.receive(
      accountId,
      { signature, timestamp, authorization },
      rawBodyOf(request) ?? '',
      body,
    );
    if (received.duplicate) void reply.code(200);
    return received;
  }
}
