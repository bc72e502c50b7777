import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@/infra/auth/auth.decorators';
import { AccountsService } from './accounts.service';
import { AccountResponse, CreateAccountDto, UpdateAccountDto } from './dto/account.dto';

@ApiTags('CXone accounts')
@ApiBearerAuth()
@RequireScopes('accounts:admin')
@Controller('api/v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @ApiOperation({ summary: 'Add a CXone tenant (credentials are encrypted at rest and never returned)' })
  @ApiCreatedResponse({ type: AccountResponse })
  create(@Body() dto: CreateAccountDto): Promise<AccountResponse> {
    return this.accounts.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: AccountResponse, isArray: true })
  list(): Promise<AccountResponse[]> {
    return this.accounts.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: AccountResponse })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<AccountResponse> {
    return this.accounts.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the contract rate (applied by every worker within seconds) or rotate secrets' })
  @ApiOkResponse({ type: AccountResponse })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateAccountDto): Promise<AccountResponse> {
    return this.accounts.update(id, dto);
  }
}
