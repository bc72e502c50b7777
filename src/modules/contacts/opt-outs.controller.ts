import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { ContactsService } from './contacts.service';
import { ConsentChangeDto, ConsentStateResponse, ListOptOutsQuery, OptOutPage } from './dto/consent.dto';

@ApiTags('Opt-outs')
@ApiBearerAuth()
@Controller('api/v1')
export class OptOutsController {
  constructor(private readonly contacts: ContactsService) {}

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
}
