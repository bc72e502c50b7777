import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, IsUrl, Length, Matches, Max, Min } from 'class-validator';
import { IsOmittable, IsOmittableOrNull } from '@/infra/http/validation';

const URL_OPTIONS = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };
const AUTH_MODES = ['PASSWORD', 'CLIENT_CREDENTIALS'] as const;
type AuthMode = (typeof AUTH_MODES)[number];

export class CreateAccountDto {
  @ApiProperty({ example: 'acme-na1' })
  @IsString()
  @Length(1, 100)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, {
    message: 'name may contain letters, digits, spaces, dots, dashes and underscores',
  })
  name!: string;

  @ApiProperty({ enum: AUTH_MODES, description: 'PASSWORD: platform token with an access key; CLIENT_CREDENTIALS' })
  @IsIn(AUTH_MODES)
  authMode!: AuthMode;

  @ApiPropertyOptional({ example: 'https://cxone.niceincontact.com', description: 'Issuer for discovery' })
  @IsOmittable()
  @IsUrl(URL_OPTIONS)
  issuerUrl?: string;

  @ApiPropertyOptional({ example: 'https://api-de-na1.niceincontact.com/dfo/3.0', description: 'Explicit DFO base' })
  @IsOmittable()
  @IsUrl(URL_OPTIONS)
  apiBaseUrl?: string;

  @ApiPropertyOptional({ description: 'Explicit token endpoint (else from discovery)' })
  @IsOmittable()
  @IsUrl(URL_OPTIONS)
  tokenUrl?: string;

  @ApiPropertyOptional({ default: 'https://api-de-{area}.{domain}/dfo/3.0' })
  @IsOmittable()
  @Matches(/\{(api_endpoint|area|domain)\}/, {
    message: 'dfoBaseTemplate must contain {area} and {domain} or {api_endpoint}',
  })
  dfoBaseTemplate?: string;

  @ApiProperty()
  @IsString()
  @Length(1, 500)
  clientId!: string;

  @ApiProperty({ writeOnly: true })
  @IsString()
  @Length(1, 2000)
  clientSecret!: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'Access key id (PASSWORD mode)' })
  @IsOmittable()
  @IsString()
  @Length(1, 2000)
  accessKeyId?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'Access key secret (PASSWORD mode)' })
  @IsOmittable()
  @IsString()
  @Length(1, 2000)
  accessKeySecret?: string;

  @ApiPropertyOptional({ default: 40, description: 'Contract rate, requests per second across every worker' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10000)
  rateLimitPerSecond?: number;
}

export class UpdateAccountDto {
  @ApiPropertyOptional({ description: 'Contract rate, applied at once by every worker' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10000)
  rateLimitPerSecond?: number;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOmittable()
  @IsString()
  @Length(1, 2000)
  clientSecret?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOmittable()
  @IsString()
  @Length(1, 2000)
  accessKeySecret?: string;

  @ApiPropertyOptional({
    writeOnly: true,
    nullable: true,
    type: String,
    description:
      "The secret CXone's event pushes to /webhooks/cxone/{id} are signed with (HMAC) or carry (bearer), 32+ characters; null removes it",
  })
  @IsOmittableOrNull()
  @IsString()
  @Length(32, 200)
  webhookSecret?: string | null;
}

export class AccountResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AUTH_MODES }) authMode!: AuthMode;
  @ApiProperty({ nullable: true, type: String }) issuerUrl!: string | null;
  @ApiProperty({ nullable: true, type: String }) apiBaseUrl!: string | null;
  @ApiProperty({ nullable: true, type: String }) tokenUrl!: string | null;
  @ApiProperty() dfoBaseTemplate!: string;
  @ApiProperty() clientId!: string;
  @ApiProperty({ description: 'Whether an access key is stored (never returned)' }) hasAccessKey!: boolean;
  @ApiProperty({ description: 'Whether a webhook secret is set, so CXone events are accepted (never returned)' })
  hasWebhookSecret!: boolean;
  @ApiProperty() rateLimitPerSecond!: number;
  @ApiProperty({ description: 'The account configured through the environment' }) isDefault!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}
