import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, UseGuards } from '@nestjs/common';
import type { DfoCustomFieldDefinition } from '@/integrations/cxone/dfo.types';
import { DfoAuthGuard } from '@/simulator/auth/dfo-auth.guard';
import { Received, SimOperation, SimRequestContext } from '@/simulator/traffic/request-context';
import { ContactsService } from './contacts.service';
import type { SimDfoContact, SimDfoMessage } from './dfo-mappers';

/** DFO contacts and custom fields (cxone-api.md §3.5, §3.6). */
@Controller('dfo/3.0')
@UseGuards(DfoAuthGuard)
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get('contacts')
  @SimOperation('contactGet')
  search(
    @Query() query: Record<string, unknown>,
    @Received() context: SimRequestContext,
  ): { hits: number; data: SimDfoContact[]; scrollToken: null } {
    this.contacts.takeRead(context);
    return this.contacts.search(query);
  }

  /** The agent SDK's path for contact custom field definitions. */
  @Get('contacts/custom-field-definitions')
  @SimOperation('customFieldDefinitions')
  definitionsAgentSdkPath(): DfoCustomFieldDefinition[] {
    return this.contacts.definitions();
  }

  /** The generated client's path for the same list (sources disagree; both are served). */
  @Get('consumer-contact-custom-fields')
  @SimOperation('customFieldDefinitions')
  definitionsGeneratedClientPath(): DfoCustomFieldDefinition[] {
    return this.contacts.definitions();
  }

  @Get('contacts/:contactNumber')
  @SimOperation('contactGet')
  get(@Param('contactNumber') contactNumber: string, @Received() context: SimRequestContext): SimDfoContact {
    this.contacts.takeRead(context);
    return this.contacts.get(contactNumber);
  }

  @Get('contacts/:contactNumber/messages')
  @SimOperation('contactMessages')
  messages(
    @Param('contactNumber') contactNumber: string,
    @Query() query: Record<string, unknown>,
    @Received() context: SimRequestContext,
  ): { hits: number; data: SimDfoMessage[] } {
    this.contacts.takeRead(context);
    return this.contacts.messages(contactNumber, query);
  }

  @Put('contacts/:contactNumber/status')
  @HttpCode(204)
  @SimOperation('contactStatus')
  setStatus(@Param('contactNumber') contactNumber: string, @Body() body: unknown): void {
    this.contacts.setStatus(contactNumber, body);
  }

  @Put('contacts/:contactNumber/custom-fields')
  @HttpCode(204)
  @SimOperation('customFields')
  setCustomFields(@Param('contactNumber') contactNumber: string, @Body() body: unknown): void {
    this.contacts.setCustomFields(contactNumber, body);
  }

  @Delete('contacts/:contactNumber/custom-fields/:ident')
  @HttpCode(204)
  @SimOperation('customFields')
  removeCustomField(@Param('contactNumber') contactNumber: string, @Param('ident') ident: string): void {
    this.contacts.removeCustomField(contactNumber, ident);
  }
}
