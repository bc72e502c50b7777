import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsOmittable, IsOmittableOrNull } from '@/infra/http/validation';

export const CHANNEL_KINDS = ['SMS', 'WHATSAPP', 'BYOC_CHAT'] as const;
const KEYWORD = /^[\p{L}\p{N}]{1,30}$/u;
const KEYWORD_MESSAGE = 'keywords must be single words of 1-30 letters or digits';
export type ChannelKindName = (typeof CHANNEL_KINDS)[number];

export class CreateChannelDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'CXone account; the default account when omitted' })
  @IsOmittable()
  @IsUUID()
  accountId?: string;

  @ApiProperty({ example: 'sms_threadline_dev', description: 'The channel id in CXone DFO' })
  @IsString()
  @Length(1, 255)
  @Matches(/^[^\s/]+$/, { message: 'cxoneChannelId must not contain spaces or slashes' })
  cxoneChannelId!: string;

  @ApiProperty({ enum: CHANNEL_KINDS })
  @IsIn(CHANNEL_KINDS)
  kind!: ChannelKindName;

  @ApiProperty({ example: 'Flight alerts (SMS)' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ description: 'BYOC integration id (BYOC_CHAT channels)' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  integrationId?: string;
}

export class UpdateChannelDto {
  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ description: 'Inactive channels accept no new campaigns or messages' })
  @IsOmittable()
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://www.example.com'],
    description: 'BYOC chat: browser origins allowed to use the widget API (CORS); [] allows none',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, {
    each: true,
    message: 'widgetOrigins must be origins like https://www.example.com (scheme, host, optional port)',
  })
  widgetOrigins?: string[];

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 86400,
    description: 'BYOC chat: seconds of customer silence before "still there?"',
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(86400)
  idlePromptSeconds?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 3600, description: 'BYOC chat: seconds from the prompt to the end' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(3600)
  idleEndSeconds?: number;

  @ApiPropertyOptional({
    description:
      'BYOC chat: the secret your backend signs customer ids with (HMAC-SHA256 of "<customerId>.<issuedAt>"); never returned',
  })
  @IsOmittable()
  @IsString()
  @Length(32, 200)
  identitySecret?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['STOP', 'ARRET'],
    description:
      'Whole-message keywords that opt the customer out (case, accents and punctuation ignored); [] restores the defaults (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT and common non-English forms)',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(KEYWORD, { each: true, message: KEYWORD_MESSAGE })
  optOutKeywords?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Keywords that opt the customer back in; [] restores the defaults (START, UNSTOP, YES, …)',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(KEYWORD, { each: true, message: KEYWORD_MESSAGE })
  optInKeywords?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Keywords asking for help; [] restores the defaults (HELP, INFO, …)',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(KEYWORD, { each: true, message: KEYWORD_MESSAGE })
  helpKeywords?: string[];

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    maxLength: 1000,
    description:
      'What Threadline answers to a help keyword, in the same thread; null: no answer (CXone answers HELP itself on this channel)',
  })
  @IsOmittableOrNull()
  @IsString()
  @Length(1, 1000)
  helpReply?: string | null;
}

export class ListChannelsQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  accountId?: string;

  @ApiPropertyOptional({ enum: CHANNEL_KINDS })
  @IsOmittable()
  @IsIn(CHANNEL_KINDS)
  kind?: ChannelKindName;
}

export class ChannelResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() cxoneChannelId!: string;
  @ApiProperty({ enum: CHANNEL_KINDS }) kind!: ChannelKindName;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) integrationId!: string | null;
  @ApiProperty() isActive!: boolean;
  @ApiProperty({ type: [String], description: 'BYOC chat: origins allowed to use the widget API' })
  widgetOrigins!: string[];
  @ApiProperty({ description: 'BYOC chat: seconds of customer silence before "still there?"' })
  idlePromptSeconds!: number;
  @ApiProperty({ description: 'BYOC chat: seconds from the prompt to the end of the conversation' })
  idleEndSeconds!: number;
  @ApiProperty({ description: 'BYOC chat: whether signed customer ids are accepted (an identity secret is set)' })
  hasIdentitySecret!: boolean;
  @ApiProperty({ type: [String], description: 'Opt-out keywords in force (the defaults when none are set)' })
  optOutKeywords!: string[];
  @ApiProperty({ type: [String], description: 'Opt-in keywords in force' })
  optInKeywords!: string[];
  @ApiProperty({ type: [String], description: 'Help keywords in force' })
  helpKeywords!: string[];
  @ApiProperty({ nullable: true, type: String, description: 'The answer to a help keyword; null: none' })
  helpReply!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}
