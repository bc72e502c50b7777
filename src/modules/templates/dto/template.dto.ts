import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsObject, IsString, IsUUID, Length, Matches } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';

const STATUSES = ['APPROVED', 'PENDING', 'REJECTED'] as const;
const CATEGORIES = ['TRANSACTIONAL', 'MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;

export class CreateTemplateDto {
  @ApiProperty({ format: 'uuid', description: 'A WHATSAPP channel' })
  @IsUUID()
  channelId!: string;

  @ApiProperty({ example: 'flight_cancellation' })
  @IsString()
  @Length(1, 512)
  @Matches(/^[a-z0-9_]+$/, { message: 'name must be lowercase letters, digits and underscores (as WhatsApp requires)' })
  name!: string;

  @ApiProperty({ example: 'en_US' })
  @Matches(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'language must look like en or en_US' })
  language!: string;

  @ApiProperty({ example: ['1', '2'], description: 'Variables the template needs ("1", "2"… or names)' })
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  parameters!: string[];

  @ApiPropertyOptional({ enum: CATEGORIES, default: 'TRANSACTIONAL' })
  @IsOmittable()
  @IsIn(CATEGORIES)
  category?: (typeof CATEGORIES)[number];

  @ApiPropertyOptional({ enum: STATUSES, default: 'APPROVED', description: 'Only APPROVED templates can be sent' })
  @IsOmittable()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ description: 'The DFO messageContent as CXone lists it (kept for reference)' })
  @IsOmittable()
  @IsObject()
  content?: Record<string, unknown>;
}

export class ListTemplatesQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  channelId?: string;
}

export class TemplateResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() language!: string;
  @ApiProperty() category!: string;
  @ApiProperty({ enum: STATUSES }) status!: (typeof STATUSES)[number];
  @ApiProperty({ type: [String] }) parameters!: string[];
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class SyncTemplatesResponse {
  @ApiProperty() imported!: number;
  @ApiProperty({ type: [TemplateResponse] }) templates!: TemplateResponse[];
}
