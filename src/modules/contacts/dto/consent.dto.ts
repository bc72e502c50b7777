import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';

export class ConsentChangeDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  channelId!: string;

  @ApiProperty({ example: '+12025550143', description: 'E.164 phone number, or the chat platform user id' })
  @IsString()
  @Length(1, 255)
  address!: string;

  @ApiPropertyOptional({ example: 'asked by phone', description: 'Why (kept in the consent ledger)' })
  @IsOmittable()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class ListOptOutsQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  channelId!: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page (an address)' })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  cursor?: string;
}

export class ConsentStateResponse {
  @ApiProperty() channelId!: string;
  @ApiProperty() address!: string;
  @ApiProperty() optedOut!: boolean;
}

export class OptOutEntry {
  @ApiProperty() address!: string;
  @ApiProperty({ nullable: true, type: String }) optedOutAt!: string | null;
}

export class OptOutPage {
  @ApiProperty({ type: [OptOutEntry] }) data!: OptOutEntry[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class PutOptOutDto {
  @ApiPropertyOptional({ example: 'asked by phone', description: 'Why (kept in the consent ledger)' })
  @IsOmittable()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class ConsentHistoryQuery {
  @ApiPropertyOptional({ default: 100, maximum: 1000, description: 'Ledger events per page' })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  cursor?: string;
}

export class ImportOptOutsQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The channel of every row (else each row names its channel in a channelId column)',
  })
  @IsOmittable()
  @IsUUID()
  channelId?: string;
}

export class ExportOptOutsQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  channelId!: string;
}

export class ContactConsentResponse {
  @ApiProperty() channelId!: string;
  @ApiProperty({ description: 'Normalised as intake does (E.164 for phone channels)' }) address!: string;
  @ApiProperty() optedOut!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'When the opt-out in force happened' })
  optedOutAt!: string | null;
}

export class ConsentEventResponse {
  @ApiProperty({ enum: ['OPT_OUT', 'OPT_IN'] }) kind!: 'OPT_OUT' | 'OPT_IN';
  @ApiProperty({ enum: ['KEYWORD', 'CXONE', 'ADMIN', 'API', 'IMPORT'] }) source!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'What it came with (the STOP message, the refused send, the imported row); repeats are ignored',
  })
  externalRef!: string | null;
  @ApiProperty({ nullable: true, type: String }) detail!: string | null;
}

export class ContactConsentHistoryResponse extends ContactConsentResponse {
  @ApiProperty({ type: [ConsentEventResponse], description: 'The consent ledger, newest first' })
  history!: ConsentEventResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class RejectedImportRow {
  @ApiProperty({ description: 'Data row number (the header is row 0)' }) row!: number;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'The row as sent (at most 200 characters)' }) input!: string;
}

export class OptOutImportReport {
  @ApiProperty({ description: 'Data rows read' }) rows!: number;
  @ApiProperty({ description: 'Rows recorded in the ledger (source IMPORT)' }) imported!: number;
  @ApiProperty({ description: 'Opt-out rows for customers already opted out: nothing recorded' })
  alreadyOptedOut!: number;
  @ApiProperty({ description: 'Opt-in rows for customers not opted out: nothing recorded' })
  alreadyOptedIn!: number;
  @ApiProperty({ description: 'Rows the ledger holds from an earlier import: nothing recorded' })
  alreadyImported!: number;
  @ApiProperty({ description: 'Rows refused' }) rejected!: number;
  @ApiProperty({ type: [RejectedImportRow], description: 'The refused rows with the reason (the first 1,000)' })
  rejectedRows!: RejectedImportRow[];
}
