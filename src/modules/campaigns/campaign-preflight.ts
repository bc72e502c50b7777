import { Injectable, Logger } from '@nestjs/common';
import { NotFoundError } from '@/infra/errors/domain-error';
import type { ProactiveContent } from '@/integrations/cxone/content';
import { CxoneClient, CxoneAccountRef } from '@/integrations/cxone/cxone.client';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelInfo, ChannelsService } from '@/modules/channels/channels.service';
import { WHATSAPP_WINDOW_MS } from '@/modules/contacts/contacts.service';
import { Clock } from '@/infra/time/clock';
import { PreflightDeferred } from './dto/preflight.dto';
import { QuietHours, parseHhMm, quietHoursEnd } from './quiet-hours';
import { CampaignIntake } from './campaign-intake';
import { CampaignsRepository } from './campaigns.repository';
import { customFieldWarnings, MAX_VALUES_PER_FIELD, UsedCustomFields } from './custom-field-check';
import type { CreateCampaignDto } from './dto/campaign.dto';
import type { PreflightReport, PreflightWarning } from './dto/preflight.dto';
import { toStringRecord } from './dto/validators';
import { PreflightRepository } from './preflight.repository';

/** Refused rows listed in the report (all of them are in the rejected-rows download of a stored campaign). */
export const MAX_INVALID_ROWS_SHOWN = 20;

type Counts = Omit<PreflightReport, 'campaignId' | 'estimate' | 'warnings' | 'deferred'>;

/** A campaign's send window, as the pre-flight evaluates it. */
interface Window {
  quiet: QuietHours | null;
  defaultZone: string | null;
  /** When sending would start (scheduledAt in the future, else now). */
  startAt: number;
}

/**
 * The pre-flight report: what a campaign would do if sent now, without storing or sending anything. For a new
 * campaign it runs the intake checks on the request (dry run); for a stored one it reads its recipients against the
 * consent ledger and the WhatsApp windows as they are now. Both estimate the duration at the account's contract rate
 * and warn about custom fields CXone does not define (a routing filter on them would never match).
 */
@Injectable()
export class CampaignPreflight {
  private readonly logger = new Logger(CampaignPreflight.name);

  constructor(
    private readonly channels: ChannelsService,
    private readonly intake: CampaignIntake,
    private readonly accounts: AccountsService,
    private readonly cxone: CxoneClient,
    private readonly campaigns: CampaignsRepository,
    private readonly repository: PreflightRepository,
    private readonly clock: Clock,
  ) {}

  async ofNew(dto: CreateCampaignDto): Promise<PreflightReport> {
    const channel = await this.channels.requireActive(dto.channelId);
    const { intake, preflight } = await this.intake.takeNew(channel, dto);
    const used = new UsedCustomFields();
    used.add(dto.customFields ? toStringRecord(dto.customFields) : null);
    for (const r of intake.accepted) used.add(r.customFields);
    const counts: Counts = {
      received: intake.received,
      wouldSend: preflight.rows.filter((r) => r.status === 'PENDING').length,
      duplicates: intake.duplicates,
      invalid: intake.rejected.length,
      optedOut: preflight.optedOut,
      outsideWindow: preflight.outsideWindow,
      fallbackTemplate: preflight.fallback,
      invalidRows: intake.rejected.slice(0, MAX_INVALID_ROWS_SHOWN).map(({ rowNumber, reason }) => ({
        rowNumber,
        reason,
      })),
    };
    const zones = new Map<string | null, number>();
    for (const r of preflight.rows) if (r.status === 'PENDING') zones.set(r.timeZone, (zones.get(r.timeZone) ?? 0) + 1);
    const quiet =
      dto.quietHours && !dto.ignoreQuietHours
        ? { startMinute: parseHhMm(dto.quietHours.start)!, endMinute: parseHhMm(dto.quietHours.end)! }
        : null;
    const window = { quiet, defaultZone: dto.timeZone ?? null, startAt: this.startAt(dto.scheduledAt) };
    return this.report(channel, null, counts, used, this.deferred(window, zones));
  }

  async ofStored(id: string): Promise<PreflightReport> {
    const campaign = await this.campaigns.findCampaign(id);
    if (!campaign || campaign.kind !== 'CAMPAIGN') throw new NotFoundError(`no campaign ${id}`); // as CampaignsService answers
    const channel = await this.channels.info(campaign.channelId);
    const [c, invalidRows, recipientFields, byZone] = await Promise.all([
      this.repository.storedCounts(id, channel.id, WHATSAPP_WINDOW_MS),
      this.repository.firstRejected(id, MAX_INVALID_ROWS_SHOWN),
      this.repository.recipientCustomFields(id, MAX_VALUES_PER_FIELD),
      this.repository.openByTimeZone(id),
    ]);
    const windowApplies = channel.kind === 'WHATSAPP' && (campaign.content as ProactiveContent).type === 'TEXT';
    const closed = windowApplies ? c.openOutsideWindow : 0;
    const hasFallback = !!campaign.fallbackTemplate;
    const used = new UsedCustomFields();
    used.add(campaign.customFields);
    for (const { key, value } of recipientFields) used.addValue(key, value);
    const counts: Counts = {
      received: c.total + c.rejected,
      wouldSend: c.open - c.openOptedOut - (hasFallback ? 0 : closed),
      duplicates: 0, // collapsed at intake, not kept
      invalid: c.rejected,
      optedOut: c.skippedOptedOut + c.openOptedOut,
      outsideWindow: c.skippedWindow + (hasFallback ? 0 : closed),
      fallbackTemplate: hasFallback ? closed : 0,
      invalidRows,
    };
    const quiet =
      campaign.quietStartMinute !== null && campaign.quietEndMinute !== null && !campaign.ignoreQuietHours
        ? { startMinute: campaign.quietStartMinute, endMinute: campaign.quietEndMinute }
        : null;
    const window = {
      quiet,
      defaultZone: campaign.timeZone,
      startAt: this.startAt(campaign.scheduledAt?.toISOString()),
    };
    // (recipients opted out since intake are counted as open here: a slight over-count of the deferred)
    const zones = new Map(byZone.map((z) => [z.timeZone, z.n]));
    return this.report(channel, id, counts, used, this.deferred(window, zones));
  }

  private startAt(scheduledAt: string | null | undefined): number {
    const now = this.clock.now();
    const at = scheduledAt ? Date.parse(scheduledAt) : NaN;
    return at > now ? at : now;
  }

  /** Recipients (counted by time zone) whose local time is in the quiet hours when sending starts. */
  private deferred(window: Window, zones: Map<string | null, number>): PreflightDeferred {
    let count = 0;
    let earliest: number | null = null;
    let latest: number | null = null;
    if (window.quiet) {
      for (const [zone, n] of zones) {
        const opens = quietHoursEnd(window.quiet, zone ?? window.defaultZone ?? 'UTC', window.startAt);
        if (opens === null) continue;
        count += n;
        earliest = Math.min(earliest ?? opens, opens);
        latest = Math.max(latest ?? opens, opens);
      }
    }
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return { count, earliest: iso(earliest), latest: iso(latest) };
  }

  private async report(
    channel: ChannelInfo,
    campaignId: string | null,
    counts: Counts,
    used: UsedCustomFields,
    deferred: PreflightDeferred,
  ): Promise<PreflightReport> {
    const account = await this.accounts.resolve(channel.accountId);
    const [backlog, warnings] = await Promise.all([
      this.repository.accountBacklog(channel.accountId, campaignId),
      this.customFieldWarnings(account, used),
    ]);
    const rate = account.settings.rateLimitPerSecond;
    return {
      campaignId,
      ...counts,
      deferred,
      estimate: {
        ratePerSecond: rate,
        seconds: Math.ceil(counts.wouldSend / rate),
        backlog,
        secondsWithBacklog: Math.ceil((counts.wouldSend + backlog) / rate),
      },
      warnings,
    };
  }

  private async customFieldWarnings(account: CxoneAccountRef, used: UsedCustomFields): Promise<PreflightWarning[]> {
    if (used.size === 0) return [];
    try {
      return customFieldWarnings(await this.cxone.listContactCustomFieldDefinitions(account), used);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.logger.warn({ accountId: account.id, err: why }, 'pre-flight could not read the custom field definitions');
      return [
        {
          code: 'CUSTOM_FIELDS_UNCHECKED',
          field: null,
          message: `could not read CXone's contact custom field definitions to check the campaign's: ${why}`,
        },
      ];
    }
  }
}
