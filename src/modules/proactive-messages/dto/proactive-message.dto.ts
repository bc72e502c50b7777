import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsObject, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import { IsOmittable, IsOmittableOrNull } from '@/infra/http/validation';
import {
  AUTO_CLOSE_DESCRIPTION,
  DEFAULT_AUTO_CLOSE_AFTER_SECONDS,
  MAX_AUTO_CLOSE_AFTER_SECONDS,
  RecipientResponse,
} from '@/modules/campaigns/dto/campaign.dto';
import { ContentDto, TemplateRefDto } from '@/modules/campaigns/dto/content.dto';
import { IsCustomFields } from '@/modules/campaigns/dto/validators';

export class SendMessageDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  channelId!: string;

  @ApiProperty({ example: '+12025550143', description: 'E.164 phone number or the channel external user id' })
  @IsString()
  @Length(1, 255)
  to!: string;

  @ApiPropertyOptional({ example: 'Ana Lima' })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiProperty({ type: ContentDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ContentDto)
  content!: ContentDto;

  @ApiPropertyOptional({ example: { alert_type: 'fraud_alert' } })
  @IsOmittable()
  @IsCustomFields()
  customFields?: Record<string, string>;

  @ApiPropertyOptional({
    type: TemplateRefDto,
    nullable: true,
    description:
      'WHATSAPP with TEXT content: the approved template sent instead if the 24-hour window is closed (else the ' +
      'message is skipped as SKIPPED_WINDOW); its parameters must fill the template',
  })
  @IsOmittableOrNull()
  @IsObject()
  @ValidateNested()
  @Type(() => TemplateRefDto)
  fallbackTemplate?: TemplateRefDto | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_AUTO_CLOSE_AFTER_SECONDS,
    default: DEFAULT_AUTO_CLOSE_AFTER_SECONDS,
    description: AUTO_CLOSE_DESCRIPTION,
  })
  @IsOmittableOrNull()
  @IsInt()
  @Min(1)
  @Max(MAX_AUTO_CLOSE_AFTER_SECONDS)
  autoCloseAfterSeconds?: number | null;
}

export class MessageResponse extends RecipientResponse {
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty({ type: ContentDto }) content!: unknown;
  @ApiProperty({ type: Object }) customFields!: Record<string, string>;
  @ApiProperty() createdAt!: string;
}
