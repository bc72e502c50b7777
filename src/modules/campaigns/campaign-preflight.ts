import { Injectable, Logger } from '@nestjs/common';
import { NotFoundError } from '@/infra/errors/domain-error';
import type { ProactiveContent } from '@/integrations/cxone/content';
import { CxoneClient, CxoneAccountRef } from '@/integrations/cxone/cxone.client';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelInfo, ChannelsService } from '@/modules/channels/channels.service';
import { WHATSAPP_WINDOW_MS } from '@/modules/contacts/contacts.service';
import { CampaignIntake } from './campaign-intake';
import { CampaignsRepository } from './campaigns.repository';
import { customFieldWarnings, MAX_VALUES_PER_FIELD, UsedCustomFields } from './custom-field-check';
import type { CreateCampaignDto } from './dto/campaign.dto';
import type { PreflightReport, PreflightWarning } from './dto/preflight.dto';
import { toStringRecord } from './dto/validators';
import { PreflightRepository } from './preflight.repository';

/** Refused rows listed in the report (all of them are in the rejected-rows download of a stored campaign). */
export const MAX_INVALID_ROWS_SHOWN = 20;

type Counts = Omit<PreflightReport, 'campaignId' | 'estimate' | 'warnings'>;

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
    return this.report(channel, null, counts, used);
  }

  async ofStored(id: string): Promise<PreflightReport> {
    const campaign = await this.campaigns.findCampaign(id);
    if (!campaign || campaign.kind !== 'CAMPAIGN') throw new NotFoundError(`no campaign ${id}`); // as CampaignsService answers
    const channel = await this.channels.info(campaign.channelId);
    const [c, invalidRows, recipientFields] = await Promise.all([
      this.repository.storedCounts(id, channel.id, WHATSAPP_WINDOW_MS),
      this.repository.firstRejected(id, MAX_INVALID_ROWS_SHOWN),
      this.repository.recipientCustomFields(id, MAX_VALUES_PER_FIELD),
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
    return this.report(channel, id, counts, used);
  }

  private async report(
    channel: ChannelInfo,
    campaignId: string | null,
    counts: Counts,
    used: UsedCustomFields,
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
