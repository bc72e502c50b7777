import { Injectable } from '@nestjs/common';
import type { ChannelKind } from '@/infra/prisma/generated/client';
import { Clock } from '@/infra/time/clock';
import { canonicalTimeZone } from '@/infra/time/time-zones';
import type { ProactiveContent } from '@/integrations/cxone/content';
import { QuietHours, quietHoursEnd } from '@/modules/campaigns/quiet-hours';
import { ConsentChanges, ConsentMark } from '@/modules/contacts/consent-changes';
import { ContactState, ContactsService, WHATSAPP_WINDOW_MS } from '@/modules/contacts/contacts.service';
import { CampaignStatusCache } from './campaign-status-cache';

/** Whether a send may start now, and if not, why. */
export type GateVerdict = 'send' | 'paused' | 'cancelled' | 'opted_out' | 'quiet_hours' | 'outside_window';

export interface GateQuestion {
  campaignId: string;
  channelId: string;
  channelKind: ChannelKind;
  address: string;
  contentType: ProactiveContent['type'];
  /** The campaign's quiet hours as they apply (null: none, or an urgent campaign that ignores them). */
  quietHours: QuietHours | null;
  /** The recipient's IANA zone. */
  timeZone: string;
  /** The customer's consent as read when the recipient was claimed: used unless it may have changed since. */
  consent?: { state: ContactState; mark: ConsentMark };
}

/** How long a recipient in its quiet hours waits. */
export interface QuietWait {
  until: Date;
  delayMs: number;
}

/**
 * The last check before a message leaves, run just ahead of every actual start (the rate-slot wait can be long, and a
 * 429 can void a slot and make the send wait again), without a query when nothing can have changed (campaign statuses
 * and consent changes are announced by PostgreSQL): a campaign paused or cancelled meanwhile sends nothing more,
 * nobody who opted out meanwhile is messaged, nobody is messaged in their local quiet hours (read against the clock
 * now, so a long campaign that runs into the evening defers the rest), and WhatsApp free text never goes out of the
 * 24-hour window (checked after quiet hours: a customer may write in overnight and reopen it).
 */
@Injectable()
export class SendGate {
  constructor(
    private readonly campaigns: CampaignStatusCache,
    private readonly contacts: ContactsService,
    private readonly consentChanges: ConsentChanges,
    private readonly clock: Clock,
  ) {}

  async check(q: GateQuestion): Promise<GateVerdict> {
    const [campaignStatus, customer] = await Promise.all([this.campaigns.get(q.campaignId), this.customer(q)]);
    if (campaignStatus === 'PAUSED') return 'paused';
    if (campaignStatus !== 'RUNNING') return 'cancelled';
    if (customer.optedOut) return 'opted_out';
    if (this.quietWait(q)) return 'quiet_hours';
    if (q.channelKind === 'WHATSAPP' && q.contentType === 'TEXT') {
      const last = customer.lastInboundAt?.getTime();
      if (last === undefined || this.clock.now() - last >= WHATSAPP_WINDOW_MS) return 'outside_window';
    }
    return 'send';
  }

  /** The customer's consent now: as read at the claim if nothing can have changed it since, else read again. */
  private customer(q: GateQuestion): ContactState | Promise<ContactState> {
    if (q.consent && !this.consentChanges.mayHaveChanged(q.consent.mark, q.channelId, q.address))
      return q.consent.state;
    return this.contacts.state(q.channelId, q.address);
  }

  /** Null when the recipient is outside its quiet hours now; else until when it waits. */
  quietWait(q: Pick<GateQuestion, 'quietHours' | 'timeZone'>): QuietWait | null {
    if (!q.quietHours) return null;
    const now = this.clock.now();
    // Zones are checked at intake; one this runtime does not know (a row written otherwise) is read as UTC.
    const end = quietHoursEnd(q.quietHours, canonicalTimeZone(q.timeZone) ?? 'UTC', now);
    return end === null ? null : { until: new Date(end), delayMs: end - now };
  }
}
