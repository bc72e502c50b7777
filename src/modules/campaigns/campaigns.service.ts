import { Injectable, Logger } from '@nestjs/common';
import type { CampaignOutcomes } from '@/modules/threads/threads.service';
import { CampaignReplies } from './campaign-replies';
import type { RepliesQuery, ReplyPage } from './dto/replies.dto';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import { ConflictError, NotFoundError } from '@/infra/errors/domain-error';
import { keysetPage } from '@/infra/http/pagination';
import type { CampaignStatus } from '@/infra/prisma/generated/client';
import { ChannelsService } from '@/modules/channels/channels.service';
import { TemplatesService } from '@/modules/templates/templates.service';
import type { ProactiveContent, TemplateRef } from '@/integrations/cxone/content';
import { DispatchService } from '@/modules/dispatch/dispatch.service';
import { threadExternalId } from '@/modules/dispatch/external-ids';
import { ProgressService } from '@/modules/dispatch/progress.service';
import { canonicalTimeZone } from '@/infra/time/time-zones';
import type { StatusCounts } from '@/modules/dispatch/dispatch.repository';
import { CampaignIntake, PreflightCounts } from './campaign-intake';
import { formatHhMm, parseHhMm } from './quiet-hours';
import { CampaignRow, CampaignsRepository } from './campaigns.repository';
import { toProactiveContent, toTemplateRef } from './dto/content.dto';
import {
  CampaignPage,
  CampaignResponse,
  CreateCampaignDto,
  DEFAULT_AUTO_CLOSE_AFTER_SECONDS,
  IntakeReport,
  ListCampaignsQuery,
  ListRecipientsQuery,
  RecipientPage,
  RecipientResponse,
  RetryFailedResponse,
} from './dto/campaign.dto';
import { toStringRecord } from './dto/validators';
import { readRecipientsCsv } from './recipients-csv';
import { rejectedRowsCsv } from './rejected-rows.csv';
import { RecipientIntake, ROWS_PER_YIELD } from './recipient-intake';
import { RecipientRow, RecipientsRepository, StagedRecipients } from './recipients.repository';

/**
 * Accepted rows pre-flighted (one opt-out query) and staged as COPY text together: what an upload holds as objects at
 * any time, whatever its size.
 */
const STAGE_BATCH = 1_000;

/** Campaign statuses that still accept more recipients. */
const ACCEPTING_RECIPIENTS: readonly CampaignStatus[] = ['DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED'];

export class CampaignNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no campaign ${id}`);
  }
}

export class CampaignStateError extends ConflictError {
  constructor(id: string, action: string, status: CampaignStatus) {
    super(`cannot ${action} campaign ${id}: it is ${status}`, { status });
  }
}

/**
 * The admin side of proactive campaigns: intake (validation, pre-flight report, durable bulk insert), the lifecycle
 * (start, pause, resume, cancel, retry-failed), progress and listings. Sending itself is the SenderService's, on the
 * worker role; this service only queues work for it.
 */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    private readonly repository: CampaignsRepository,
    private readonly recipientRows: RecipientsRepository,
    private readonly intake: CampaignIntake,
    private readonly channels: ChannelsService,
    private readonly templates: TemplatesService,
    private readonly dispatch: DispatchService,
    private readonly progress: ProgressService,
    private readonly replies: CampaignReplies,
  ) {}

  async create(dto: CreateCampaignDto): Promise<CampaignResponse> {
    const channel = await this.channels.requireActive(dto.channelId);
    const intake = await this.intake.prepareNew(channel, dto);
    // Checked and stored in slices, in one transaction: the database stores a slice while the next is checked.
    const preflight: PreflightCounts = { optedOut: 0, outsideWindow: 0, fallback: 0 };
    const recipients = this.intake.preflightInSlices(
      channel,
      dto.content.type,
      intake,
      dto.recipients ?? [],
      !!dto.fallbackTemplate,
      preflight,
    );
    const scheduledAt = dto.scheduledAt ? new Date(dto.scheduledAt) : null;
    const status: CampaignStatus = scheduledAt ? 'SCHEDULED' : dto.start ? 'RUNNING' : 'DRAFT';

    const id = randomUUID();
    const inserted = await this.recipientRows.createWithRecipients(
      {
        id,
        kind: 'CAMPAIGN',
        channelId: channel.id,
        name: dto.name,
        status,
        content: toProactiveContent(dto.content),
        customFields: dto.customFields ? toStringRecord(dto.customFields) : {},
        scheduledAt,
        autoCloseAfterSeconds:
          dto.autoCloseAfterSeconds === undefined ? DEFAULT_AUTO_CLOSE_AFTER_SECONDS : dto.autoCloseAfterSeconds,
        fallbackTemplate: dto.fallbackTemplate ? toTemplateRef(dto.fallbackTemplate) : null,
        quietStartMinute: dto.quietHours ? parseHhMm(dto.quietHours.start) : null,
        quietEndMinute: dto.quietHours ? parseHhMm(dto.quietHours.end) : null,
        timeZone: dto.timeZone ? canonicalTimeZone(dto.timeZone) : null,
        ignoreQuietHours: dto.ignoreQuietHours ?? false,
      },
      recipients,
      intake.rejected,
    );
    await this.afterStatusChange(id, status, scheduledAt);
    this.logger.log(
      {
        campaignId: id,
        status,
        accepted: inserted,
        rejected: intake.rejected.length,
        ...(dto.quietHours ? { quietHours: `${dto.quietHours.start}-${dto.quietHours.end}` } : {}),
        ...(dto.ignoreQuietHours ? { ignoreQuietHours: true } : {}),
      },
      'campaign created',
    );
    return { ...(await this.get(id)), intake: report(intake, inserted, { ...preflight, stored: inserted }) };
  }

  /** Adds recipients from a CSV stream or a JSON `{recipients: [...]}` body. */
  async addRecipients(id: string, source: { csv: Readable } | { json: unknown[] }): Promise<CampaignResponse> {
    const campaign = await this.campaign(id);
    if (!ACCEPTING_RECIPIENTS.includes(campaign.status))
      throw new CampaignStateError(id, 'add recipients to', campaign.status);
    const channel = await this.channels.info(campaign.channelId);
    const content = campaign.content as ProactiveContent;
    const fallback = campaign.fallbackTemplate as TemplateRef | null;
    const ref = content.type === 'TEMPLATE' ? content.template : fallback;
    const template = ref ? await this.templates.find(channel.id, ref.name, ref.language) : null;
    const intake = new RecipientIntake(
      channel.kind,
      template?.parameters ?? null,
      ref ? toStringRecord(ref.parameters) : {},
      campaign.timeZone,
    );
    // Staged in batches as they are read: the row objects of one batch at a time, the rest as COPY text.
    const staged = new StagedRecipients(id);
    const skipped = { optedOut: 0, outsideWindow: 0, fallback: 0 };
    const stage = async (): Promise<void> => {
      const batch = intake.takeAccepted();
      if (batch.length === 0) return;
      const preflight = await this.intake.preflight(channel, content.type, { accepted: batch }, !!fallback);
      skipped.optedOut += preflight.optedOut;
      skipped.outsideWindow += preflight.outsideWindow;
      skipped.fallback += preflight.fallback;
      await staged.add(preflight.rows);
    };
    const add = (row: unknown, rowNumber: number): Promise<void> | undefined => {
      intake.add(row, rowNumber);
      return intake.accepted.length >= STAGE_BATCH ? stage() : undefined;
    };
    if ('csv' in source) {
      await readRecipientsCsv(source.csv, add);
    } else {
      for (let i = 0; i < source.json.length; i++) {
        if (i > 0 && i % ROWS_PER_YIELD === 0) await turn(); // see ROWS_PER_YIELD
        await add(source.json[i], i + 1);
      }
    }
    await stage();
    const inserted = await this.recipientRows.appendRecipients(id, ACCEPTING_RECIPIENTS, staged, intake.rejected);
    if (inserted === null) throw new CampaignStateError(id, 'add recipients to', (await this.campaign(id)).status);
    if (campaign.status === 'RUNNING') await this.dispatch.requestDispatch(id);
    this.logger.log({ campaignId: id, accepted: inserted, rejected: intake.rejected.length }, 'recipients added');
    return { ...(await this.get(id)), intake: report(intake, inserted, { stored: staged.rows, ...skipped }) };
  }

  async get(id: string): Promise<CampaignResponse> {
    const campaign = await this.campaign(id);
    const [counts, outcomes, deferred] = await Promise.all([
      this.progress.countsByStatus([id]),
      this.replies.outcomes([id]),
      this.progress.deferredCounts([id]),
    ]);
    return this.toResponse(campaign, counts.get(id) ?? {}, outcomes, deferred);
  }

  async repliesOf(id: string, query: RepliesQuery): Promise<ReplyPage> {
    await this.campaign(id);
    return this.replies.page(id, query);
  }

  async list(query: ListCampaignsQuery): Promise<CampaignPage> {
    const limit = query.limit ?? 50;
    const rows = await this.repository.listCampaigns({
      kind: 'CAMPAIGN',
      limit: limit + 1,
      ...(query.status ? { status: query.status } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
    });
    const page = keysetPage(rows, limit, (c) => c.id);
    const ids = page.rows.map((c) => c.id);
    const [counts, outcomes, deferred] = await Promise.all([
      this.progress.countsByStatus(ids),
      this.replies.outcomes(ids),
      this.progress.deferredCounts(ids),
    ]);
    return {
      data: await Promise.all(page.rows.map((c) => this.toResponse(c, counts.get(c.id) ?? {}, outcomes, deferred))),
      nextCursor: page.nextCursor,
    };
  }

  async start(id: string): Promise<CampaignResponse> {
    const campaign = await this.campaign(id);
    const future = campaign.scheduledAt && campaign.scheduledAt.getTime() > Date.now();
    const to: CampaignStatus = future ? 'SCHEDULED' : 'RUNNING';
    if (campaign.status !== 'DRAFT' || !(await this.repository.transitionCampaign(id, to))) {
      throw new CampaignStateError(id, 'start', campaign.status);
    }
    await this.afterStatusChange(id, to, campaign.scheduledAt);
    return this.get(id);
  }

  async pause(id: string): Promise<CampaignResponse> {
    await this.transition(id, 'PAUSED', 'pause');
    await this.repository.unqueueRecipients(id);
    return this.get(id);
  }

  async resume(id: string): Promise<CampaignResponse> {
    const campaign = await this.campaign(id);
    if (campaign.status !== 'PAUSED') throw new CampaignStateError(id, 'resume', campaign.status);
    await this.transition(id, 'RUNNING', 'resume');
    await this.dispatch.requestDispatch(id);
    return this.get(id);
  }

  async cancel(id: string): Promise<CampaignResponse> {
    await this.transition(id, 'CANCELLED', 'cancel');
    const cancelled = await this.repository.cancelRecipients(id);
    this.logger.log({ campaignId: id, cancelled }, 'campaign cancelled');
    return this.get(id);
  }

  async retryFailed(id: string): Promise<RetryFailedResponse> {
    const campaign = await this.campaign(id);
    if (campaign.status === 'CANCELLED' || campaign.status === 'DRAFT' || campaign.status === 'SCHEDULED') {
      throw new CampaignStateError(id, 'retry failed recipients of', campaign.status);
    }
    const requeued = await this.repository.requeueRetryableFailures(id);
    if (requeued > 0) {
      if (campaign.status === 'COMPLETED') await this.repository.transitionCampaign(id, 'RUNNING');
      if (campaign.status !== 'PAUSED') await this.dispatch.requestDispatch(id);
    }
    this.logger.log({ campaignId: id, requeued }, 'failed recipients re-queued');
    return { requeued };
  }

  async recipients(id: string, query: ListRecipientsQuery): Promise<RecipientPage> {
    await this.campaign(id);
    const limit = query.limit ?? 100;
    const rows = await this.recipientRows.listRecipients(id, {
      limit: limit + 1,
      ...(query.status ? { status: query.status } : {}),
      ...(query.failureReason ? { failureReason: query.failureReason } : {}),
      ...(query.error ? { error: query.error } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
    });
    const page = keysetPage(rows, limit, (r) => r.id);
    return { data: page.rows.map(toRecipientResponse), nextCursor: page.nextCursor };
  }

  /** The rows intake refused, as a CSV stream read page by page. */
  async rejectedRows(id: string): Promise<Readable> {
    await this.campaign(id);
    return rejectedRowsCsv((after, limit) => this.recipientRows.rejectedRows(id, after, limit));
  }

  private async afterStatusChange(id: string, status: CampaignStatus, scheduledAt: Date | null): Promise<void> {
    if (status === 'RUNNING') await this.dispatch.requestDispatch(id);
    if (status === 'SCHEDULED' && scheduledAt) await this.dispatch.scheduleStart(id, scheduledAt);
  }

  private async transition(id: string, to: CampaignStatus, action: string): Promise<CampaignRow> {
    const moved = await this.repository.transitionCampaign(id, to);
    if (moved) return moved;
    throw new CampaignStateError(id, action, (await this.campaign(id)).status);
  }

  private async campaign(id: string): Promise<CampaignRow> {
    const campaign = await this.repository.findCampaign(id);
    if (!campaign || campaign.kind !== 'CAMPAIGN') throw new CampaignNotFoundError(id);
    return campaign;
  }

  private async toResponse(
    campaign: CampaignRow,
    byStatus: StatusCounts,
    outcomes: Map<string, CampaignOutcomes> = new Map(),
    deferred: Map<string, number> = new Map(),
  ): Promise<CampaignResponse> {
    const counts = ProgressService.counts(byStatus);
    const rate = campaign.status === 'RUNNING' ? await this.progress.sendRate(campaign.id) : 0;
    return {
      id: campaign.id,
      kind: campaign.kind,
      name: campaign.name,
      channelId: campaign.channelId,
      status: campaign.status,
      content: campaign.content,
      customFields: campaign.customFields,
      fallbackTemplate: campaign.fallbackTemplate ?? null,
      scheduledAt: campaign.scheduledAt?.toISOString() ?? null,
      autoCloseAfterSeconds: campaign.autoCloseAfterSeconds,
      startedAt: campaign.startedAt?.toISOString() ?? null,
      completedAt: campaign.completedAt?.toISOString() ?? null,
      createdAt: campaign.createdAt.toISOString(),
      quietHours:
        campaign.quietStartMinute !== null && campaign.quietEndMinute !== null
          ? { start: formatHhMm(campaign.quietStartMinute), end: formatHhMm(campaign.quietEndMinute) }
          : null,
      timeZone: campaign.timeZone,
      ignoreQuietHours: campaign.ignoreQuietHours,
      counts,
      progress: ProgressService.progress(counts, rate, deferred.get(campaign.id) ?? 0, byStatus.rateLimited ?? 0),
      outcomes: CampaignReplies.view(outcomes.get(campaign.id), counts.sent),
    };
  }
}

/** `stored`: the rows the pre-flight passed on to be stored, of which `inserted` were new to the campaign. */
function report(
  intake: RecipientIntake,
  inserted: number,
  preflight: PreflightCounts & { stored: number },
): IntakeReport {
  const { stored, optedOut, outsideWindow, fallback } = preflight;
  return {
    received: intake.received,
    accepted: inserted - Math.min(inserted, optedOut + outsideWindow),
    duplicates: intake.duplicates + (stored - inserted),
    rejected: intake.rejected.length,
    optedOut,
    outsideWindow,
    fallbackTemplate: fallback,
  };
}

export function toRecipientResponse(row: RecipientRow): RecipientResponse {
  return {
    id: row.id,
    address: row.address,
    name: row.name,
    status: row.status,
    attempts: row.attempts,
    rateLimitedCount: row.rateLimitedCount,
    failureReason: row.failureReason,
    lastError: row.lastError,
    cxoneContactId: row.cxoneContactId,
    cxoneThreadId: row.cxoneThreadId,
    cxoneMessageId: row.cxoneMessageId,
    threadExternalId: threadExternalId(row.id),
    sentAt: row.sentAt?.toISOString() ?? null,
    timeZone: row.timeZone,
    notBefore: row.notBefore?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
  };
}
