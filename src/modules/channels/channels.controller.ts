import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { ChannelsService } from './channels.service';
import { ChannelResponse, CreateChannelDto, ListChannelsQuery, UpdateChannelDto } from './dto/channel.dto';

@ApiTags('Channels')
@ApiBearerAuth()
@Controller('api/v1/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Post()
  @RequireScopes('channels:admin')
  @ApiCreatedResponse({ type: ChannelResponse })
  create(@Body() dto: CreateChannelDto): Promise<ChannelResponse> {
    return this.channels.create(dto);
  }

  @Get()
  @RequireScopes('channels:read')
  @ApiOkResponse({ type: ChannelResponse, isArray: true })
  list(@Query() query: ListChannelsQuery): Promise<ChannelResponse[]> {
    return this.channels.list(query);
  }

  @Get(':id')
  @RequireScopes('channels:read')
  @ApiOkResponse({ type: ChannelResponse })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ChannelResponse> {
    return this.channels.get(id);
  }

  @Patch(':id')
  @RequireScopes('channels:admin')
  @ApiOkResponse({ type: ChannelResponse })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateChannelDto): Promise<ChannelResponse> {
    return this.channels.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScopes('channels:admin')
  delete(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.channels.delete(id);
  }
}
