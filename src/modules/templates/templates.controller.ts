import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { CreateTemplateDto, ListTemplatesQuery, SyncTemplatesResponse, TemplateResponse } from './dto/template.dto';
import { TemplatesService } from './templates.service';

@ApiTags('WhatsApp templates')
@ApiBearerAuth()
@Controller('api/v1')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post('templates')
  @RequireScopes('templates:write')
  @ApiOperation({ summary: 'Register (or replace) an approved WhatsApp template for a channel' })
  @ApiCreatedResponse({ type: TemplateResponse })
  create(@Body() dto: CreateTemplateDto): Promise<TemplateResponse> {
    return this.templates.create(dto);
  }

  @Get('templates')
  @RequireScopes('templates:read')
  @ApiOkResponse({ type: TemplateResponse, isArray: true })
  list(@Query() query: ListTemplatesQuery): Promise<TemplateResponse[]> {
    return this.templates.list(query.channelId);
  }

  @Delete('templates/:id')
  @HttpCode(204)
  @RequireScopes('templates:write')
  delete(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.templates.delete(id);
  }

  @Post('channels/:id/templates/sync')
  @HttpCode(200)
  @RequireScopes('templates:write')
  @ApiOperation({ summary: 'Import the templates CXone lists for the channel' })
  @ApiOkResponse({ type: SyncTemplatesResponse })
  sync(@Param('id', new ParseUUIDPipe()) id: string): Promise<SyncTemplatesResponse> {
    return this.templates.syncFromCxone(id);
  }
}
