import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';

export const THREAD_STATUSES = ['AWAITING_REPLY', 'REPLIED', 'OPEN', 'IDLE_PROMPTED', 'CLOSED'] as const;

export class ThreadMessage {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['INBOUND', 'OUTBOUND'] }) direction!: 'INBOUND' | 'OUTBOUND';
  @ApiProperty({ enum: ['CUSTOMER', 'AGENT', 'SYSTEM'], description: 'SYSTEM: a proactive alert Threadline sent' })
  author!: 'CUSTOMER' | 'AGENT' | 'SYSTEM';
  @ApiProperty({ description: "The message id on Threadline's side of CXone" }) idOnExternalPlatform!: string;
  @ApiProperty({ nullable: true, type: String }) cxoneMessageId!: string | null;
  @ApiProperty({ description: 'The message as sent or received ({type: TEXT, text} or the template used)' })
  content!: unknown;
  @ApiProperty({ enum: ['RECEIVED', 'QUEUED', 'SENT', 'DELIVERED', 'SEEN', 'FAILED'] }) status!: string;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty() createdAt!: string;
}

export class ThreadSummary {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty({ description: 'The thread id as CXone knows it (thread.idOnExternalPlatform)' })
  idOnExternalPlatform!: string;
  @ApiProperty({
    enum: ['PROACTIVE', 'INBOUND', 'AGENT'],
    description: 'Who started it: an alert, the customer, an agent',
  })
  origin!: 'PROACTIVE' | 'INBOUND' | 'AGENT';
  @ApiProperty({ enum: THREAD_STATUSES }) status!: (typeof THREAD_STATUSES)[number];
  @ApiProperty({ nullable: true, enum: ['AGENT_ENDED', 'IDLE_TIMEOUT', 'UNANSWERED', 'CUSTOMER_ENDED'] })
  closeReason!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The CXone contact (case) number' })
  cxoneContactId!: string | null;
  @ApiProperty({ nullable: true, type: String }) cxoneThreadId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) campaignId!: string | null;
  @ApiProperty({ description: 'The customer on this channel' }) contact!: {
    address: string;
    displayName: string | null;
  };
  @ApiProperty({ nullable: true, type: String }) lastCustomerAt!: string | null;
  @ApiProperty() lastActivityAt!: string;
  @ApiProperty({ nullable: true, type: String }) closedAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export class ThreadResponse extends ThreadSummary {
  @ApiProperty({ type: [ThreadMessage], description: 'Oldest first: a proactive alert, then the replies' })
  messages!: ThreadMessage[];
}

export class ThreadPage {
  @ApiProperty({ type: [ThreadSummary] }) data!: ThreadSummary[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ListThreadsQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Threads a campaign opened (its alerts)' })
  @IsOmittable()
  @IsUUID()
  campaignId?: string;

  @ApiPropertyOptional({ enum: THREAD_STATUSES })
  @IsOmittable()
  @IsIn(THREAD_STATUSES)
  status?: (typeof THREAD_STATUSES)[number];

  @ApiPropertyOptional({
    example: 'tl-3f0c2a9e-5b1d-4c7a-9e2f-8d6b4a1c0e57',
    description: "The thread with this id on Threadline's side of CXone (a campaign recipient's threadExternalId)",
  })
  @IsOmittable()
  @IsString()
  @Length(1, 255)
  idOnExternalPlatform?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'nextCursor of the previous page' })
  @IsOmittable()
  @IsUUID()
  cursor?: string;
}
