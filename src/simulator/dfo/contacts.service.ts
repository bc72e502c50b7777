import { Injectable } from '@nestjs/common';
import type { DfoCustomFieldDefinition } from '@/integrations/cxone/dfo.types';
import { DfoNotFoundError } from '@/simulator/common/sim-errors';
import { ConversationStore, mergeCustomFields, SimContact } from '@/simulator/state/conversations';
import { RateLimits } from '@/simulator/state/rate-limits';
import { SEED_CUSTOM_FIELD_DEFINITIONS } from '@/simulator/state/seed';
import { SimDfoContact, SimDfoMessage, toDfoContact, toDfoMessage } from './dfo-mappers';
import { validateContactStatusUpdate, validateCustomFieldValues } from './dfo-validation';

function queryList(query: Record<string, unknown>, name: string): string[] | undefined {
  const value = query[`${name}[]`] ?? query[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** DFO contacts (cases): read, change status, set custom field values; the field definitions. */
@Injectable()
export class ContactsService {
  constructor(
    private readonly store: ConversationStore,
    private readonly limits: RateLimits,
  ) {}

  get(contactNumber: string): SimDfoContact {
    return toDfoContact(this.require(contactNumber), this.store);
  }

  /** GET /contacts: filters channel[], status[], endUserIdOnExternalPlatform[]; newest first. */
  search(query: Record<string, unknown>): { hits: number; data: SimDfoContact[]; scrollToken: null } {
    const channels = queryList(query, 'channel');
    const statuses = queryList(query, 'status');
    const endUsers = queryList(query, 'endUserIdOnExternalPlatform');
    const data = this.store
      .listContacts()
      .filter(
        (c) =>
          (!channels || channels.includes(c.channelId)) &&
          (!statuses || statuses.includes(c.status)) &&
          (!endUsers || endUsers.includes(c.endUserIdOnExternalPlatform)),
      )
      .reverse()
      .map((c) => toDfoContact(c, this.store));
    return { hits: data.length, data, scrollToken: null };
  }

  messages(contactNumber: string): { hits: number; data: SimDfoMessage[] } {
    this.require(contactNumber);
    const data = this.store.messagesOfContact(contactNumber).map(toDfoMessage);
    return { hits: data.length, data };
  }

  /** PUT /contacts/{n}/status: spends the contact's bucket. */
  setStatus(contactNumber: string, body: unknown): void {
    const update = validateContactStatusUpdate(body);
    const contact = this.require(contactNumber);
    this.limits.takeContact(contact.id);
    contact.status = update.status;
    contact.statusUpdatedAt = Date.now();
  }

  /** PUT /contacts/{n}/custom-fields: upserts values by ident; spends the contact's bucket. */
  setCustomFields(contactNumber: string, body: unknown): void {
    const values = validateCustomFieldValues(body);
    const contact = this.require(contactNumber);
    this.limits.takeContact(contact.id);
    const updatedAt = new Date().toISOString();
    mergeCustomFields(
      contact.customFields,
      values.map((v) => ({ ...v, updatedAt })),
    );
  }

  removeCustomField(contactNumber: string, ident: string): void {
    const contact = this.require(contactNumber);
    this.limits.takeContact(contact.id);
    contact.customFields = contact.customFields.filter((f) => f.ident !== ident);
  }

  definitions(): DfoCustomFieldDefinition[] {
    return SEED_CUSTOM_FIELD_DEFINITIONS.map((d) => ({ ...d }));
  }

  private require(contactNumber: string): SimContact {
    const contact = this.store.contact(contactNumber);
    if (!contact) throw new DfoNotFoundError(`Contact ${contactNumber} does not exist`, 'contactNumber');
    return contact;
  }
}
