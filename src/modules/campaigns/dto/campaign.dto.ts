import { CampaignOutcomesView } from './replies.dto';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsTimeZone,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { IsOmittable, IsOmittableOrNull } from '@/infra/http/validation';
import { ContentDto, TemplateRefDto } from './content.dto';
import { IsCustomFields } from './validators';
import { HH_MM_PATTERN } from '../quiet-hours';

export const MAX_INLINE_RECIPIENTS = 100_000;
/** Unanswered alerts are auto-closed after this by default (24 h); a campaign or message may choose 1 s to 30 days. */
export const DEFAULT_AUTO_CLOSE_AFTER_SECONDS = 86_400;
export const MAX_AUTO_CLOSE_AFTER_SECONDS = 30 * 86_400;
export const AUTO_CLOSE_DESCRIPTION =
  'Seconds after an alert is sent that a thread with no reply is resolved in CXone and closed (UNANSWERED), so it ' +
  'never reaches an agent as an empty interaction; answered threads are left to the agent. null: never.';
export const FAILURE_REASONS = ['TRANSIENT', 'RATE_LIMITED', 'AUTH', 'REJECTED', 'INVALID'] as const;
export const CAMPAIGN_STATUSES = ['DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED'] as const;
export const RECIPIENT_STATUSES = [
  'PENDING',
  'QUEUED',
  'SENDING',
  'SENT',
  'FAILED',
  'SKIPPED_OPTED_OUT',
  'SKIPPED_INVALID',
  'SKIPPED_WINDOW',
  'CANCELLED',
] as const;

/** `autoCloseAfterSeconds` of campaigns and single messages: whole seconds, 1 s to 30 days, null for never. */
export function AutoCloseAfterSeconds(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: Number,
      nullable: true,
      minimum: 1,
      maximum: MAX_AUTO_CLOSE_AFTER_SECONDS,
      default: DEFAULT_AUTO_CLOSE_AFTER_SECONDS,
      description: AUTO_CLOSE_DESCRIPTION,
    }),
    IsOmittableOrNull(),
    IsInt(),
    Min(1),
    Max(MAX_AUTO_CLOSE_AFTER_SECONDS),
  );
}

/** `fallbackTemplate` of campaigns and single messages (null: none). */
export function FallbackTemplate(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: TemplateRefDto, nullable: true, description }),
    IsOmittableOrNull(),
    IsObject(),
    ValidateNested(),
    Type(() => TemplateRefDto),
  );
}

/** One recipient (documented here; validated row by row at intake so one bad row never rejects the campaign). */
export class RecipientInput {
  @ApiProperty({ example: '+12025550143', description: 'E.164 phone number (SMS, WhatsApp) or the chat user id' })
  to!: string;

  @ApiPropertyOptional({ example: 'Ana Lima' })
  name?: string;

  @ApiPropertyOptional({
    example: { '2': 'Tuesday' },
    description: 'Template parameters, merged over the campaign ones',
  })
  parameters?: Record<string, string> | string[];

  @ApiPropertyOptional({
    example: { booking_ref: 'X7Q2LM' },
    description: 'Contact custom fields, merged over the campaign ones',
  })
  customFields?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'America/Chicago',
    description:
      'IANA time zone its quiet hours are read in (CSV column timeZone, time_zone or tz). Else from the phone ' +
      "number (libphonenumber's mapping: where a number spans several zones, the campaign's zone if it is one of " +
      'them, else the first listed), else the campaign timeZone, else UTC. An unknown zone rejects the row.',
  })
  timeZone?: string;
}

/** `end` must differ from the property named `other` (a span that starts where it ends is empty or the whole day). */
function DiffersFrom(other: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'differsFrom',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          value !== (args.object as Record<string, unknown>)[other],
        defaultMessage: (args) => `${args?.property ?? 'value'} must differ from ${other}`,
      },
    });
  };
}

export class QuietHoursDto {
  @ApiProperty({ example: '21:00', description: 'Local time (HH:MM, 24-hour) quiet hours start' })
  @IsString()
  @Matches(HH_MM_PATTERN, { message: 'start must be a time of day as HH:MM (00:00-23:59)' })
  start!: string;

  @ApiProperty({
    example: '08:00',
    description: 'Local time (HH:MM) they end, when sending resumes; before start: the span wraps past midnight',
  })
  @IsString()
  @Matches(HH_MM_PATTERN, { message: 'end must be a time of day as HH:MM (00:00-23:59)' })
  @DiffersFrom('start')
  end!: string;
}

export class CreateCampaignDto {
  @ApiProperty({ example: 'Storm Ciarán: LHR cancellations 21 Nov' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ format: 'uuid', description: 'A registered channel (see /api/v1/channels)' })
  @IsUUID()
  channelId!: string;

  @ApiProperty({ type: ContentDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ContentDto)
  content!: ContentDto;

  @ApiPropertyOptional({
    example: { alert_type: 'flight_cancellation' },
    description: 'Set on each CXone contact, so routing can send replies to the right skill',
  })
  @IsOmittable()
  @IsCustomFields()
  customFields?: Record<string, string>;

  @FallbackTemplate(
    'WHATSAPP with TEXT content: the approved template sent instead of the text to recipients outside the ' +
      '24-hour window (else they are skipped as SKIPPED_WINDOW). Its parameters are checked at intake: the ' +
      "template's and each recipient's `parameters` together must fill it",
  )
  fallbackTemplate?: TemplateRefDto | null;

  @ApiPropertyOptional({ example: '2026-11-21T18:00:00Z', description: 'Start sending at this time (else on /start)' })
  @IsOmittable()
  @IsDateString({ strict: true })
  scheduledAt?: string;

  @ApiPropertyOptional({ default: false, description: 'Start sending as soon as the campaign is accepted' })
  @IsOmittable()
  @IsBoolean()
  start?: boolean;

  @AutoCloseAfterSeconds()
  autoCloseAfterSeconds?: number | null;

  @ApiPropertyOptional({
    type: QuietHoursDto,
    description:
      'No message reaches a recipient between start and end of its own local time: recipients in quiet hours wait ' +
      '(deferred, never dropped) until their window opens. Checked just before each send.',
  })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto;

  @ApiPropertyOptional({
    example: 'Europe/London',
    description: 'IANA time zone for recipients whose own zone is neither given nor known from their number',
  })
  @IsOmittable()
  @IsString()
  @IsTimeZone({ message: 'timeZone must be an IANA time zone (e.g. America/New_York)' })
  timeZone?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Urgent (e.g. fraud alerts): send through quiet hours, which are kept but not applied',
  })
  @IsOmittable()
  @IsBoolean()
  ignoreQuietHours?: boolean;

  @ApiPropertyOptional({ type: [RecipientInput], description: `Up to ${MAX_INLINE_RECIPIENTS}; or upload CSV later` })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_INLINE_RECIPIENTS)
  recipients?: unknown[];
}

export class CreateCampaignQuery {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: store and send nothing, answer the pre-flight report (200)',
  })
  @IsOmittable()
  @IsIn(['true', 'false'], { message: 'dryRun must be true or false' })
  dryRun?: 'true' | 'false';
}

export class IntakeReport {
  @ApiProperty({ description: 'Rows received in this request' }) received!: number;
  @ApiProperty({ description: 'New recipients that will be sent to' }) accepted!: number;
  @ApiProperty({ description: 'Rows that repeated an address already in the campaign' }) duplicates!: number;
  @ApiProperty({ description: 'Rows refused (see the rejected-rows download)' }) rejected!: number;
  @ApiProperty({ description: 'Accepted rows skipped because the customer opted out' }) optedOut!: number;
  @ApiProperty({ description: 'Accepted rows skipped: WhatsApp free text outside the 24-hour window' })
  outsideWindow!: number;
  @ApiProperty({ description: 'Accepted rows outside the WhatsApp window now, to get the fallback template' })
  fallbackTemplate!: number;
}

export class RecipientCounts {
  @ApiProperty() total!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() queued!: number;
  @ApiProperty() sending!: number;
  @ApiProperty() sent!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() skippedOptedOut!: number;
  @ApiProperty() skippedInvalid!: number;
  @ApiProperty() skippedWindow!: number;
  @ApiProperty() cancelled!: number;
}

export class CampaignProgress {
  @ApiProperty({ description: 'Recipients in a final state' }) done!: number;
  @ApiProperty({ description: 'Recipients still to send' }) remaining!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Messages sent per second over the last 10 s (null while it cannot be read: Redis unavailable)',
  })
  sendRatePerSecond!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Seconds until done at the current rate' }) etaSeconds!:
    number | null;
  @ApiProperty({ description: 'Of the recipients still to send, those waiting for their quiet hours to end' })
  deferred!: number;
  @ApiProperty({ description: "429 answers CXone gave this campaign's sends so far" })
  rateLimited!: number;
}

export class QuietHoursView {
  @ApiProperty({ example: '21:00' }) start!: string;
  @ApiProperty({ example: '08:00' }) end!: string;
}

export class CampaignResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['CAMPAIGN', 'MESSAGE'] }) kind!: 'CAMPAIGN' | 'MESSAGE';
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status!: (typeof CAMPAIGN_STATUSES)[number];
  @ApiProperty({ type: ContentDto }) content!: unknown;
  @ApiProperty({ type: Object }) customFields!: Record<string, string>;
  @ApiProperty({ type: TemplateRefDto, nullable: true, description: 'Sent outside the WhatsApp window, if set' })
  fallbackTemplate!: unknown;
  @ApiProperty({ nullable: true, type: String }) scheduledAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: AUTO_CLOSE_DESCRIPTION }) autoCloseAfterSeconds!:
    number | null;
  @ApiProperty({ nullable: true, type: String }) startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: QuietHoursView, nullable: true, description: "In each recipient's local time; null: none" })
  quietHours!: QuietHoursView | null;
  @ApiProperty({ nullable: true, type: String, description: 'Zone for recipients of unknown zone (else UTC)' })
  timeZone!: string | null;
  @ApiProperty({ description: 'Urgent: quiet hours are not applied' }) ignoreQuietHours!: boolean;
  @ApiProperty({ type: RecipientCounts }) counts!: RecipientCounts;
  @ApiProperty({ type: CampaignProgress }) progress!: CampaignProgress;
  @ApiProperty({ type: CampaignOutcomesView, description: 'What customers did with what was sent' })
  outcomes!: CampaignOutcomesView;
  @ApiPropertyOptional({ type: IntakeReport, description: 'What this request added (create and upload answers)' })
  intake?: IntakeReport;
}

export class ListCampaignsQuery {
  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOmittable()
  @IsIn(CAMPAIGN_STATUSES)
  status?: (typeof CAMPAIGN_STATUSES)[number];

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'nextCursor of the previous page' })
  @IsOmittable()
  @IsUUID()
  cursor?: string;
}

export class CampaignPage {
  @ApiProperty({ type: [CampaignResponse] }) data!: CampaignResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ListRecipientsQuery {
  @ApiPropertyOptional({ enum: RECIPIENT_STATUSES })
  @IsOmittable()
  @IsIn(RECIPIENT_STATUSES)
  status?: (typeof RECIPIENT_STATUSES)[number];

  @ApiPropertyOptional({ enum: FAILURE_REASONS, description: 'Only recipients that failed for this reason' })
  @IsOmittable()
  @IsIn(FAILURE_REASONS)
  failureReason?: (typeof FAILURE_REASONS)[number];

  @ApiPropertyOptional({
    maxLength: 200,
    description: "Only recipients whose last error (CXone's answer) contains this text, ignoring case",
  })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  error?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'nextCursor of the previous page' })
  @IsOmittable()
  @IsUUID()
  cursor?: string;
}

export class RecipientResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() address!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ enum: RECIPIENT_STATUSES }) status!: (typeof RECIPIENT_STATUSES)[number];
  @ApiProperty() attempts!: number;
  @ApiProperty() rateLimitedCount!: number;
  @ApiProperty({ nullable: true, type: String }) failureReason!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'CXone contact (case) number' }) cxoneContactId!:
    string | null;
  @ApiProperty({ nullable: true, type: String }) cxoneThreadId!: string | null;
  @ApiProperty({ nullable: true, type: String }) cxoneMessageId!: string | null;
  @ApiProperty({ description: 'Our thread id in CXone (thread.idOnExternalPlatform)' }) threadExternalId!: string;
  @ApiProperty({ nullable: true, type: String }) sentAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "IANA zone its quiet hours are read in (null: the campaign's, else UTC)",
  })
  timeZone!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Deferred by quiet hours: not sent before this time (in the past once sent)',
  })
  notBefore!: string | null;
  @ApiProperty() updatedAt!: string;
}

export class RecipientPage {
  @ApiProperty({ type: [RecipientResponse] }) data!: RecipientResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class RetryFailedResponse {
  @ApiProperty({ description: 'Recipients put back in the queue' }) requeued!: number;
}
