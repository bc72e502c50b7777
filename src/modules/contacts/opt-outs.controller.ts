import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { UnsupportedMediaTypeError } from '@/infra/errors/domain-error';
import { checkDeclaredCsvSize } from '@/infra/http/csv-upload';
import { ContactsService } from './contacts.service';
import {
  ConsentChangeDto,
  ConsentHistoryQuery,
  ConsentStateResponse,
  ContactConsentHistoryResponse,
  ContactConsentResponse,
  ExportOptOutsQuery,
  ImportOptOutsQuery,
  ListOptOutsQuery,
  OptOutImportReport,
  OptOutPage,
  PutOptOutDto,
} from './dto/consent.dto';
import { OptOutsImportService } from './opt-outs-import.service';

const ADDRESS_PARAM = {
  name: 'address',
  description: 'E.164 phone number (write + as %2B) or the chat platform user id; normalised as intake does',
  example: '%2B12025550143',
};

@ApiTags('Opt-outs')
@ApiBearerAuth()
@Controller('api/v1')
export class OptOutsController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly imports: OptOutsImportService,
  ) {}

  @Post('opt-outs')
  @HttpCode(200)
  @RequireScopes('optouts:write')
  @ApiOperation({ summary: 'Record that a customer must not be messaged on a channel (kept in the consent ledger)' })
  @ApiOkResponse({ type: ConsentStateResponse })
  optOut(@Body() dto: ConsentChangeDto): Promise<ConsentStateResponse> {
    return this.contacts.optOut(dto);
  }

  @Post('opt-ins')
  @HttpCode(200)
  @RequireScopes('optouts:write')
  @ApiOperation({ summary: 'Record that a customer opted back in' })
  @ApiOkResponse({ type: ConsentStateResponse })
  optIn(@Body() dto: ConsentChangeDto): Promise<ConsentStateResponse> {
    return this.contacts.optIn(dto);
  }

  @Get('opt-outs')
  @RequireScopes('optouts:read')
  @ApiOkResponse({ type: OptOutPage })
  list(@Query() query: ListOptOutsQuery): Promise<OptOutPage> {
    return this.contacts.listOptedOut(query);
  }

  @Post('opt-outs/import')
  @HttpCode(200)
  @RequireScopes('optouts:write')
  @ApiOperation({
    summary:
      'Import opt-outs from a CSV (text/csv, streamed, up to 100,000 rows and 20 MiB), recorded with source IMPORT',
    description:
      'Columns: address (or to, phone, number), channelId (or the channelId query parameter), optional kind ' +
      '(OPT_OUT, the default, or OPT_IN), optedOutAt (ISO 8601; default: now), source and reason (kept as detail). ' +
      'The export’s file imports as it is. A malformed file records nothing; bad rows are refused with their row ' +
      'number and the rest recorded. Importing the same rows again records nothing twice.',
    requestBody: {
      required: true,
      content: {
        'text/csv': {
          schema: { type: 'string', example: 'address,kind,optedOutAt\n+12025550143,OPT_OUT,2026-11-21T09:30:00Z\n' },
        },
      },
    },
  })
  @ApiOkResponse({ type: OptOutImportReport })
  import(@Query() query: ImportOptOutsQuery, @Req() request: FastifyRequest): Promise<OptOutImportReport> {
    if (!(request.body instanceof Readable)) throw new UnsupportedMediaTypeError('send the opt-outs as text/csv');
    checkDeclaredCsvSize(request.headers['content-length']);
    return this.imports.importCsv(request.body, query.channelId);
  }

  @Get('opt-outs/export')
  @RequireScopes('optouts:read')
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'Download the channel’s opted-out customers as CSV (address, channelId, optedOutAt, source), streamed',
  })
  @ApiOkResponse({ description: 'text/csv', schema: { type: 'string' } })
  async export(@Query() query: ExportOptOutsQuery): Promise<StreamableFile> {
    const stream = await this.contacts.exportOptedOut(query.channelId);
    return new StreamableFile(stream, {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="opt-outs-${query.channelId.toLowerCase()}.csv"`,
    });
  }

  @Get('opt-outs/:channelId/:address')
  @RequireScopes('optouts:read')
  @ApiParam(ADDRESS_PARAM)
  @ApiOperation({ summary: 'A customer’s consent on a channel and its ledger (kind, source, time), newest first' })
  @ApiOkResponse({ type: ContactConsentHistoryResponse })
  consent(
    @Param('channelId', new ParseUUIDPipe()) channelId: string,
    @Param('address') address: string,
    @Query() query: ConsentHistoryQuery,
  ): Promise<ContactConsentHistoryResponse> {
    return this.contacts.consentOf(channelId, address, query);
  }

  @Put('opt-outs/:channelId/:address')
  @RequireScopes('optouts:write')
  @ApiParam(ADDRESS_PARAM)
  @ApiOperation({
    summary: 'Opt a customer out (source ADMIN); idempotent',
    description: '201 when this opted them out, 200 when they already were (nothing is recorded then).',
  })
  @ApiCreatedResponse({ type: ContactConsentResponse })
  @ApiOkResponse({ type: ContactConsentResponse })
  async putOptOut(
    @Param('channelId', new ParseUUIDPipe()) channelId: string,
    @Param('address') address: string,
    @Body() dto: PutOptOutDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactConsentResponse> {
    const { state, created } = await this.contacts.putOptOut(channelId, address, dto.reason);
    void reply.status(created ? 201 : 200);
    return state;
  }

  @Delete('opt-outs/:channelId/:address')
  @RequireScopes('optouts:write')
  @ApiParam(ADDRESS_PARAM)
  @ApiOperation({
    summary: 'Opt a customer back in (source ADMIN); idempotent, 404 for a customer never seen on the channel',
  })
  @ApiOkResponse({ type: ContactConsentResponse })
  deleteOptOut(
    @Param('channelId', new ParseUUIDPipe()) channelId: string,
    @Param('address') address: string,
  ): Promise<ContactConsentResponse> {
    return this.contacts.deleteOptOut(channelId, address);
  }
}
