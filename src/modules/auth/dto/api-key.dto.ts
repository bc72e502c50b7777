import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsDateString, IsIn, IsString, Length } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';
import { Scope, SCOPES } from '@/infra/auth/scopes';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'campaign backend', description: 'What the key is for (shown in listings)' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['campaigns:write', 'campaigns:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true, message: `each value in scopes must be one of: ${SCOPES.join(', ')}` })
  scopes!: Scope[];

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z', description: 'When the key stops working' })
  @IsOmittable()
  @IsDateString({ strict: true })
  expiresAt?: string;
}

export class BootstrapApiKeyDto {
  @ApiPropertyOptional({ example: 'first admin', default: 'bootstrap admin' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  name?: string;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the key, to recognise it', example: 'tl_Jb4xQ9' }) prefix!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: Scope[];
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ description: 'The secret key. It is shown only once; store it now.' }) key!: string;
}
