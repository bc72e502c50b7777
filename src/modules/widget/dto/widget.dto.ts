import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';

export const CUSTOMER_ID = /^[A-Za-z0-9._:@+-]{1,128}$/;

export class StartSessionDto {
  @ApiPropertyOptional({
    description: 'A signed-in customer: their id in your system (signed by your backend, see signature)',
    example: 'customer-42',
  })
  @IsOmittable()
  @IsString()
  @Matches(CUSTOMER_ID, { message: 'customerId must be 1-128 characters of A-Z a-z 0-9 . _ : @ + -' })
  customerId?: string;

  @ApiPropertyOptional({ description: 'Unix seconds when your backend signed customerId (within 5 minutes)' })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(9_999_999_999)
  issuedAt?: number;

  @ApiPropertyOptional({ description: 'Hex HMAC-SHA256 of "<customerId>.<issuedAt>" with the channel identity secret' })
  @IsOmittable()
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'signature must be 64 lowercase hex characters' })
  signature?: string;

  @ApiPropertyOptional({ description: 'An anonymous visitor coming back: the customer.id a previous session returned' })
  @IsOmittable()
  @IsString()
  @Matches(/^v-[0-9a-f-]{36}$/, { message: 'visitorId must be an id a previous session returned (v-<uuid>)' })
  visitorId?: string;

  @ApiPropertyOptional({ description: 'The name to show the agent', example: 'Ana' })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  name?: string;
}

export class PostMessageDto {
  @ApiProperty({ description: 'An id the page gives the message (the same id twice stores one message)' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'clientMessageId must be 1-64 characters of A-Z a-z 0-9 _ -' })
  clientMessageId!: string;

  @ApiProperty({ maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  text!: string;
}

export class TypingDto {
  @ApiProperty()
  @IsBoolean()
  typing!: boolean;
}

export class MessageViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) threadId!: string;
  @ApiProperty({ nullable: true, type: String }) clientMessageId!: string | null;
  @ApiProperty({ enum: ['customer', 'agent', 'system'] }) author!: string;
  @ApiProperty() text!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ enum: ['sending', 'delivered', 'failed', 'received'] }) state!: string;
  @ApiPropertyOptional() agentName?: string;
}

export class ThreadViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['open', 'idle-prompted', 'ended'] }) status!: string;
  @ApiProperty({ nullable: true, enum: ['agent', 'customer', 'idle'] }) endedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) idleEndsAt!: string | null;
  @ApiProperty() canWrite!: boolean;
}

export class SessionResponse {
  @ApiProperty({ description: 'Send as Authorization: Bearer on the other widget calls' }) token!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty() customer!: { id: string; name: string | null };
  @ApiProperty({ type: ThreadViewDto, nullable: true }) thread!: ThreadViewDto | null;
}

export class ConversationResponse {
  @ApiProperty({ type: ThreadViewDto, nullable: true }) thread!: ThreadViewDto | null;
  @ApiProperty({ type: [MessageViewDto] }) messages!: MessageViewDto[];
}
