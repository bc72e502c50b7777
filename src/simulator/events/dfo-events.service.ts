import { Injectable } from '@nestjs/common';
import type { DfoContactStatus } from '@/integrations/cxone/dfo.types';
import { SimClock } from '@/simulator/common/clock';
import type { SimContact, SimMessage } from '@/simulator/state/conversations';
import { SimSettings } from '@/simulator/state/sim-settings';
import { TenantRegistry } from '@/simulator/state/tenants';
import { brandOf, caseStatusChangedEvent, messageCreatedEvent } from './dfo-events';
import { WebhookDispatcher } from './webhook-dispatcher';

/**
 * The DFO events the simulated tenant emits, pushed to the webhook when webhookUrl is set (nothing is built
 * otherwise): Message/MessageCreated for every customer (inbound) message, Case/CaseStatusChanged for every change
 * of a contact's status.
 */
@Injectable()
export class DfoEvents {
  constructor(
    private readonly settings: SimSettings,
    private readonly tenants: TenantRegistry,
    private readonly webhooks: WebhookDispatcher,
    private readonly clock: SimClock,
  ) {}

  /** A customer's message was stored in `contact`. */
  inboundMessage(contact: SimContact, message: SimMessage, now = this.clock.nowMs()): void {
    if (!this.settings.value.webhookUrl || message.direction !== 'inbound') return;
    this.webhooks.publish(messageCreatedEvent(this.brand(contact), contact, message, now));
  }

  /** Sets the contact's status; a change (not a repeat of the same status) is pushed as CaseStatusChanged. */
  setContactStatus(contact: SimContact, status: DfoContactStatus, now = this.clock.nowMs()): void {
    const previous = contact.status;
    contact.status = status;
    contact.statusUpdatedAt = now;
    if (previous === status || !this.settings.value.webhookUrl) return;
    this.webhooks.publish(caseStatusChangedEvent(this.brand(contact), contact, previous, now));
  }

  private brand(contact: SimContact) {
    return brandOf(this.tenants.get(contact.tenantId) ?? this.tenants.defaultTenant());
  }
}
