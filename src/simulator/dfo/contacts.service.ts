import { Injectable } from '@nestjs/common';
import type { DfoCustomFieldDefinition } from '@/integrations/cxone/dfo.types';
import { SimClock } from '@/simulator/common/clock';
import { FieldCheck } from '@/simulator/common/field-check';
import { DfoNotFoundError, DfoValidationError } from '@/simulator/common/sim-errors';
import { DfoEvents } from '@/simulator/events/dfo-events.service';
import { ConversationStore, mergeCustomFields, SimContact } from '@/simulator/state/conversations';
import { RateLimits } from '@/simulator/state/rate-limits';
import { SEED_CUSTOM_FIELD_DEFINITIONS } from '@/simulator/state/seed';
import { SimSettings } from '@/simulator/state/sim-settings';
import type { SimRequestContext } from '@/simulator/traffic/request-context';
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
    private readonly settings: SimSettings,
    private readonly events: DfoEvents,
    private readonly clock: SimClock,
  ) {}

  /** Spends one read of the caller's tenant budget ("get contact (incl. contact messages)"), or throws a 429. */
  takeRead(context: SimRequestContext): void {
    this.limits.takeContactRead(context.tenantId!, context.at); // the tenant is set by DfoAuthGuard
  }

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

  /**
   * GET /contacts/{n}/messages: in the contactMessagesOrder setting's order (the message time, then arrival), which
   * `sortingType=asc|desc` overrides. Simulator conveniences for polling, not in DFO's public spec:
   * `direction=inbound|outbound` and `since=<ISO-8601>` (messages created at or after that time).
   */
  messages(contactNumber: string, query: Record<string, unknown> = {}): { hits: number; data: SimDfoMessage[] } {
    const check = new FieldCheck();
    const order = check.optionalOneOf(query.sortingType, 'sortingType', ['asc', 'desc'] as const);
    const direction = check.optionalOneOf(query.direction, 'direction', ['inbound', 'outbound'] as const);
    const since = check.optionalIsoDateTime(query.since, 'since');
    if (!check.ok) throw new DfoValidationError(check.errors);
    this.require(contactNumber);
    const sinceMs = since === undefined ? undefined : Date.parse(since);
    const selected = this.store
      .messagesOfContact(contactNumber)
      .filter((m) => (!direction || m.direction === direction) && (sinceMs === undefined || m.createdAt >= sinceMs))
      .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
    if ((order ?? this.settings.value.contactMessagesOrder) === 'desc') selected.reverse();
    const data = selected.map(toDfoMessage);
    return { hits: data.length, data };
  }

  /** PUT /contacts/{n}/status: spends the contact's bucket; a change of status is pushed as CaseStatusChanged. */
  setStatus(contactNumber: string, body: unknown): void {
    const update = validateContactStatusUpdate(body);
    const contact = this.require(contactNumber);
    this.limits.takeContact(contact.id);
    this.events.setContactStatus(contact, update.status);
  }

  /** PUT /contacts/{n}/custom-fields: upserts values by ident; spends the contact's bucket. */
  setCustomFields(contactNumber: string, body: unknown): void {
    const values = validateCustomFieldValues(body);
    const contact = this.require(contactNumber);
    this.limits.takeContact(contact.id);
    const updatedAt = this.clock.nowIso();
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
