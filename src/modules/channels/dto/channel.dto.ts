import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, IsUUID, Length, Matches } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';

export const CHANNEL_KINDS = ['SMS', 'WHATSAPP', 'BYOC_CHAT'] as const;
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
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}
