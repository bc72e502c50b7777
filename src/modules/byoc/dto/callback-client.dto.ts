import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateCallbackClientDto {
  @ApiProperty({ example: 'CXone production', description: 'What the credentials are for' })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class CallbackClientResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The client_id to enter in CXone (BYOC integration: Client ID)' }) clientId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) channelId!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Until when the previous secret still works' })
  previousSecretValidUntil!: string | null;
}

export class CreatedCallbackClientResponse extends CallbackClientResponse {
  @ApiProperty({ description: 'The client_secret to enter in CXone. Shown only in this answer.' })
  clientSecret!: string;
}

export class RotatedCallbackClientResponse extends CreatedCallbackClientResponse {}
