import { Controller, Get, Param, ParseEnumPipe, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@/infra/auth/auth.decorators';
import { ActionQuery, ByocActionsService, ChannelAction } from './byoc-actions.service';

enum Action {
  add = 'add',
  reconnect = 'reconnect',
  remove = 'remove',
}

/**
 * `GET /integration/box/1.0/actions/add|reconnect|remove?userId&brandId&token&apiHost&backUrl`: the admin's browser
 * arrives from CXone. Public: the one-time token, verified with CXone, is the authorization.
 */
@ApiExcludeController()
@Controller('integration/box/1.0/actions')
export class ByocActionsController {
  constructor(private readonly actions: ByocActionsService) {}

  @Get(':action')
  @Public()
  async run(
    @Param('action', new ParseEnumPipe(Action)) action: ChannelAction,
    @Query() query: ActionQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const backUrl = await this.actions.run(action, query);
    void reply.code(302).header('location', backUrl).header('cache-control', 'no-store');
  }
}
