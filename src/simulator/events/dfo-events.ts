import type {
  DfoCaseStatusChangedEvent,
  DfoContactStatus,
  DfoEventBrand,
  DfoMessageCreatedEvent,
} from '@/integrations/cxone/dfo.types';
import { uuid } from '@/simulator/common/ids';
import { toDfoMessage } from '@/simulator/dfo/dfo-mappers';
import type { SimContact, SimMessage } from '@/simulator/state/conversations';
import type { SimTenant } from '@/simulator/state/tenants';

/** ISO-8601 to the whole second (`2025-07-25T20:05:57Z`), as createdAt; createdAtWithMilliseconds keeps the ms. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function brandOf(tenant: SimTenant): DfoEventBrand {
  return { id: tenant.brandId, friendlyName: tenant.brandName, tenantId: tenant.tenantId };
}

function envelope<O extends string, T extends string, D>(
  eventObject: O,
  eventType: T,
  data: D,
  now: number,
  id: string,
) {
  return {
    eventId: id,
    eventObject,
    eventType,
    createdAt: isoSeconds(now),
    createdAtWithMilliseconds: new Date(now).toISOString(),
    data,
  };
}

/** Message/MessageCreated for a customer's message stored in `contact`. */
export function messageCreatedEvent(
  brand: DfoEventBrand,
  contact: SimContact,
  message: SimMessage,
  now: number,
  eventId = uuid(),
): DfoMessageCreatedEvent {
  return envelope(
    'Message',
    'MessageCreated',
    {
      brand,
      channel: { id: contact.channelId },
      case: {
        id: contact.id,
        threadId: contact.threadId,
        threadIdOnExternalPlatform: contact.threadIdOnExternalPlatform,
        status: contact.status,
        direction: contact.direction,
      },
      message: toDfoMessage(message),
    },
    now,
    eventId,
  );
}

/** Case/CaseStatusChanged: `contact` now has its new status; `previousStatus` is the one it left. */
export function caseStatusChangedEvent(
  brand: DfoEventBrand,
  contact: SimContact,
  previousStatus: DfoContactStatus,
  now: number,
  eventId = uuid(),
): DfoCaseStatusChangedEvent {
  return envelope(
    'Case',
    'CaseStatusChanged',
    {
      brand,
      channel: { id: contact.channelId },
      case: {
        id: contact.id,
        threadId: contact.threadId,
        threadIdOnExternalPlatform: contact.threadIdOnExternalPlatform,
        status: contact.status,
        previousStatus,
        endUserRecipients: [{ idOnExternalPlatform: contact.endUserIdOnExternalPlatform }],
      },
    },
    now,
    eventId,
  );
}
