import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsString, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';
import type { ProactiveContent, TemplateRef } from '@/integrations/cxone/content';
import { IsTemplateParameters } from './validators';

export class TemplateRefDto {
  @ApiProperty({ example: 'flight_cancellation' })
  @IsString()
  @Length(1, 512)
  name!: string;

  @ApiProperty({ example: 'en_US' })
  @IsString()
  @Matches(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'language must look like en or en_US' })
  language!: string;

  @ApiPropertyOptional({
    example: { '1': 'BA123', '2': 'Monday' },
    description: 'Values for every recipient (each recipient may add or override its own)',
  })
  @IsOmittable()
  @IsTemplateParameters()
  parameters?: Record<string, string> | string[];
}

/** `{type:"TEXT", text}` or `{type:"TEMPLATE", template:{name, language, parameters}}`. */
export class ContentDto {
  @ApiProperty({ enum: ['TEXT', 'TEMPLATE'] })
  @IsIn(['TEXT', 'TEMPLATE'])
  type!: 'TEXT' | 'TEMPLATE';

  @ApiPropertyOptional({ example: 'Your flight BA123 on Monday is cancelled. Reply HELP to talk to us.' })
  @ValidateIf((o: ContentDto) => o.type === 'TEXT')
  @IsString()
  @Length(1, 4096)
  text?: string;

  @ApiPropertyOptional({ type: TemplateRefDto, description: 'An approved WhatsApp template (WHATSAPP channels)' })
  @ValidateIf((o: ContentDto) => o.type === 'TEMPLATE')
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => TemplateRefDto)
  template?: TemplateRefDto;
}

export function toProactiveContent(dto: ContentDto): ProactiveContent {
  if (dto.type === 'TEXT') return { type: 'TEXT', text: dto.text ?? '' };
  return { type: 'TEMPLATE', template: toTemplateRef(dto.template!) };
}

export function toTemplateRef(template: TemplateRefDto): TemplateRef {
  return {
    name: template.name,
    language: template.language,
    ...(template.parameters ? { parameters: template.parameters } : {}),
  };
}
