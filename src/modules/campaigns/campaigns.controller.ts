import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  Sse,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { ValidationFailedError } from '@/infra/errors/domain-error';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { CampaignExistsGuard } from './campaign-exists.guard';
import { CampaignPreflight } from './campaign-preflight';
import { CampaignsService } from './campaigns.service';
import {
  CampaignPage,
  CampaignResponse,
  CreateCampaignDto,
  CreateCampaignQuery,
  ListCampaignsQuery,
  ListRecipientsQuery,
  RecipientInput,
  RecipientPage,
  RetryFailedResponse,
} from './dto/campaign.dto';
import { PreflightReport } from './dto/preflight.dto';
import { RepliesQuery, ReplyPage } from './dto/replies.dto';
import { ProgressStream } from './progress.stream';
import { checkDeclaredCsvSize } from './recipients-csv';

@ApiTags('Campaigns')
@ApiBearerAuth()
@Controller('api/v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly progress: ProgressStream,
    private readonly preflight: CampaignPreflight,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireScopes('campaigns:write')
  @ApiOperation({
    summary: 'Create a campaign, with recipients inline (or upload them after)',
    description:
      'Recipients are validated row by row; bad rows are refused (see rejected-rows), repeated addresses collapsed, ' +
      'opted-out customers skipped. Everything is stored before the answer. `start: true` sends at once; `scheduledAt` later. ' +
      'With `?dryRun=true` nothing is stored or sent: the answer (200) is the pre-flight report of POST /campaigns/preflight.',
  })
  @ApiAcceptedResponse({ type: CampaignResponse })
  @ApiOkResponse({ type: PreflightReport, description: 'dryRun=true: the pre-flight report' })
  async create(
    @Body() dto: CreateCampaignDto,
    @Query() query: CreateCampaignQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CampaignResponse | PreflightReport> {
    if (query.dryRun !== 'true') return this.campaigns.create(dto);
    void reply.status(200);
    return this.preflight.ofNew(dto);
  }

  @Post('preflight')
  @HttpCode(200)
  @RequireScopes('campaigns:read')
  @ApiOperation({
    summary: 'Pre-flight a campaign (same body as creating it): what would happen, without storing or sending',
    description:
      'How many recipients would be sent, skipped as opted out, refused as invalid, outside the WhatsApp window ' +
      '(and whether the fallback template covers them); the estimated duration at the account contract rate; ' +
      'warnings for custom fields CXone does not define.',
  })
  @ApiOkResponse({ type: PreflightReport })
  preflightNew(@Body() dto: CreateCampaignDto): Promise<PreflightReport> {
    return this.preflight.ofNew(dto);
  }

  @Get()
  @RequireScopes('campaigns:read')
  @ApiOkResponse({ type: CampaignPage })
  list(@Query() query: ListCampaignsQuery): Promise<CampaignPage> {
    return this.campaigns.list(query);
  }

  @Get(':id')
  @RequireScopes('campaigns:read')
  @ApiOperation({ summary: 'A campaign with counts per state, current send rate and ETA' })
  @ApiOkResponse({ type: CampaignResponse })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<CampaignResponse> {
    return this.campaigns.get(id);
  }

  @Post(':id/recipients')
  @HttpCode(202)
  @RequireScopes('campaigns:write')
  @ApiOperation({
    summary:
      'Add recipients: a CSV upload (text/csv, streamed, up to 100,000 rows and 20 MiB) or JSON {recipients: [...]}',
    description: 'CSV columns: to (or phone), name, param.<name> (template parameters), field.<ident> (custom fields).',
    // One schema per content type (@ApiBody would give both the same one).
    requestBody: {
      required: true,
      content: {
        'text/csv': {
          schema: { type: 'string', example: 'to,name,param.1,field.booking_ref\n+12025550143,Ana,BA123,X7Q2LM\n' },
        },
        'application/json': {
          schema: {
            type: 'object',
            required: ['recipients'],
            properties: { recipients: { type: 'array', items: { $ref: getSchemaPath(RecipientInput) } } },
          },
        },
      },
    },
  })
  @ApiExtraModels(RecipientInput)
  @ApiAcceptedResponse({ type: CampaignResponse })
  addRecipients(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() request: FastifyRequest,
  ): Promise<CampaignResponse> {
    const body = request.body;
    if (body instanceof Readable) {
      checkDeclaredCsvSize(request.headers['content-length']);
      return this.campaigns.addRecipients(id, { csv: body });
    }
    const recipients = (body as { recipients?: unknown } | undefined)?.recipients;
    if (!Array.isArray(recipients)) {
      throw new ValidationFailedError('send text/csv, or application/json with a "recipients" array', [
        { field: 'recipients', problems: ['recipients must be an array'] },
      ]);
    }
    return this.campaigns.addRecipients(id, { json: recipients });
  }

  @Get(':id/recipients')
  @RequireScopes('campaigns:read')
  @ApiOperation({ summary: 'Recipients and their outcome, paginated, optionally by status' })
  @ApiOkResponse({ type: RecipientPage })
  recipients(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: ListRecipientsQuery,
  ): Promise<RecipientPage> {
    return this.campaigns.recipients(id, query);
  }

  @Get(':id/rejected-rows')
  @RequireScopes('campaigns:read')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'Download the rows intake refused, with the reason for each (CSV, streamed)' })
  @ApiOkResponse({ description: 'text/csv: row,reason,input', schema: { type: 'string' } })
  async rejectedRows(@Param('id', new ParseUUIDPipe()) id: string): Promise<StreamableFile> {
    return new StreamableFile(await this.campaigns.rejectedRows(id), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="rejected-rows-${id.toLowerCase()}.csv"`,
    });
  }

  @Get(':id/preflight')
  @RequireScopes('campaigns:read')
  @ApiOperation({
    summary: "A stored campaign's pre-flight: its recipients against today's opt-outs and WhatsApp windows",
    description: 'E.g. after a CSV upload to a DRAFT, before starting it. Nothing is changed.',
  })
  @ApiOkResponse({ type: PreflightReport })
  preflightStored(@Param('id', new ParseUUIDPipe()) id: string): Promise<PreflightReport> {
    return this.preflight.ofStored(id);
  }

  @Get(':id/replies')
  @RequireScopes('campaigns:read')
  @ApiOperation({ summary: 'Who answered the campaign and what they wrote, in the order the first replies came' })
  @ApiOkResponse({ type: ReplyPage })
  replies(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: RepliesQuery): Promise<ReplyPage> {
    return this.campaigns.repliesOf(id, query);
  }

  @Post(':id/start')
  @HttpCode(200)
  @RequireScopes('campaigns:write')
  @ApiOkResponse({ type: CampaignResponse })
  start(@Param('id', new ParseUUIDPipe()) id: string): Promise<CampaignResponse> {
    return this.campaigns.start(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @RequireScopes('campaigns:write')
  @ApiOperation({ summary: 'Stop sending; queued recipients wait (messages already on their way finish)' })
  @ApiOkResponse({ type: CampaignResponse })
  pause(@Param('id', new ParseUUIDPipe()) id: string): Promise<CampaignResponse> {
    return this.campaigns.pause(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireScopes('campaigns:write')
  @ApiOkResponse({ type: CampaignResponse })
  resume(@Param('id', new ParseUUIDPipe()) id: string): Promise<CampaignResponse> {
    return this.campaigns.resume(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScopes('campaigns:write')
  @ApiOperation({ summary: 'Cancel: nothing more is sent; unsent recipients become CANCELLED' })
  @ApiOkResponse({ type: CampaignResponse })
  cancel(@Param('id', new ParseUUIDPipe()) id: string): Promise<CampaignResponse> {
    return this.campaigns.cancel(id);
  }

  @Post(':id/retry-failed')
  @HttpCode(200)
  @RequireScopes('campaigns:write')
  @ApiOperation({ summary: 'Re-queue recipients that failed for transient reasons (TRANSIENT, RATE_LIMITED, AUTH)' })
  @ApiOkResponse({ type: RetryFailedResponse })
  retryFailed(@Param('id', new ParseUUIDPipe()) id: string): Promise<RetryFailedResponse> {
    return this.campaigns.retryFailed(id);
  }

  @Sse(':id/progress')
  @RequireScopes('campaigns:read')
  @UseGuards(CampaignExistsGuard) // 404 before the stream starts
  @ApiOperation({
    summary: 'Live progress (Server-Sent Events): a `progress` event every second until the campaign ends',
  })
  events(@Param('id', new ParseUUIDPipe()) id: string): Observable<{ type: string; data: CampaignResponse }> {
    return this.progress.stream(id);
  }
}
