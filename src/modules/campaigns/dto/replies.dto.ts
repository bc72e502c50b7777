import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsUUID, Max, Min } from 'class-validator';
import { IsOmittable } from '@/infra/http/validation';

export class RepliesQuery {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'The nextCursor of the previous page' })
  @IsOmittable()
  @IsUUID()
  cursor?: string;
}

export class ReplyMessage {
  @ApiProperty() text!: string;
  @ApiProperty() at!: string;
}

export class ReplyEntry {
  @ApiProperty({ format: 'uuid', description: 'GET /api/v1/threads/{id} shows the whole conversation' })
  threadId!: string;
  @ApiProperty() address!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty() firstReplyAt!: string;
  @ApiProperty({ description: 'The customer opted out (STOP) on this thread' }) optedOut!: boolean;
  @ApiProperty({ enum: ['AWAITING_REPLY', 'REPLIED', 'OPEN', 'IDLE_PROMPTED', 'CLOSED'] }) threadStatus!: string;
  @ApiProperty({ type: [ReplyMessage], description: "The customer's messages, oldest first (at most 20)" })
  messages!: ReplyMessage[];
}

export class ReplyPage {
  @ApiProperty({ type: [ReplyEntry] }) data!: ReplyEntry[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class CampaignOutcomesView {
  @ApiProperty({ description: 'Threads the customer answered' }) replied!: number;
  @ApiProperty({ description: 'Customers who opted out by a message on their thread (STOP)' }) optedOut!: number;
  @ApiProperty({ description: 'Threads nobody answered, resolved in CXone after the auto-close time' })
  autoClosed!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'replied / sent (null before anything was sent)' })
  replyRate!: number | null;
}
