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
