import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsString, IsUUID, Length, ValidateNested } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';
import { AutoCloseAfterSeconds, FallbackTemplate, RecipientResponse } from '@/modules/campaigns/dto/campaign.dto';
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

  @FallbackTemplate(
    'WHATSAPP with TEXT content: the approved template sent instead if the 24-hour window is closed (else the ' +
      'message is skipped as SKIPPED_WINDOW); its parameters must fill the template',
  )
  fallbackTemplate?: TemplateRefDto | null;

  @AutoCloseAfterSeconds()
  autoCloseAfterSeconds?: number | null;
}

export class MessageResponse extends RecipientResponse {
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty({ type: ContentDto }) content!: unknown;
  @ApiProperty({ type: Object }) customFields!: Record<string, string>;
  @ApiProperty() createdAt!: string;
}
