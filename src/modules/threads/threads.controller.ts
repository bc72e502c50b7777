import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { ListThreadsQuery, ThreadPage, ThreadResponse } from './dto/thread.dto';
import { ThreadsService } from './threads.service';

@ApiTags('Conversations')
@ApiBearerAuth()
@Controller('api/v1/threads')
export class ThreadsController {
  constructor(private readonly threads: ThreadsService) {}

  @Get()
  @RequireScopes('threads:read')
  @ApiOperation({ summary: 'Conversations, newest first, optionally those a campaign opened or by status' })
  @ApiOkResponse({ type: ThreadPage })
  list(@Query() query: ListThreadsQuery): Promise<ThreadPage> {
    return this.threads.list(query);
  }

  @Get(':id')
  @RequireScopes('threads:read')
  @ApiOperation({ summary: 'One conversation: its CXone ids, status, customer and messages in order' })
  @ApiOkResponse({ type: ThreadResponse })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ThreadResponse> {
    return this.threads.get(id);
  }
}
