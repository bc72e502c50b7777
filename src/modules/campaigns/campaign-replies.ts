import { Injectable } from '@nestjs/common';
import { keysetPage } from '@/infra/http/pagination';
import { MessagesService } from '@/modules/messages/messages.service';
import { CampaignOutcomes, ThreadsService } from '@/modules/threads/threads.service';
import type { CampaignOutcomesView, RepliesQuery, ReplyPage } from './dto/replies.dto';

/** Customer messages per answered thread shown in a replies page. */
const MESSAGES_PER_THREAD = 20;

/** What a campaign's customers answered (its threads and their messages are the threads and messages modules'). */
@Injectable()
export class CampaignReplies {
  constructor(
    private readonly threads: ThreadsService,
    private readonly messages: MessagesService,
  ) {}

  /** Who answered what, in the order the first replies came. */
  async page(campaignId: string, query: RepliesQuery): Promise<ReplyPage> {
    const limit = query.limit ?? 50;
    const page = keysetPage(
      await this.threads.repliedOfCampaign(campaignId, limit + 1, query.cursor),
      limit,
      (t) => t.id,
    );
    const messages = await this.messages.customerMessagesOf(
      page.rows.map((t) => t.id),
      MESSAGES_PER_THREAD,
    );
    return {
      data: page.rows.map((t) => ({
        threadId: t.id,
        address: t.address,
        name: t.name,
        firstReplyAt: t.firstReplyAt.toISOString(),
        optedOut: t.optedOutAt !== null,
        threadStatus: t.status,
        messages: messages
          .filter((m) => m.threadId === t.id)
          .map((m) => ({ text: textOf(m.content), at: m.createdAt.toISOString() })),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Per campaign: replies, opt-outs by message, auto-closed threads, and the reply rate over what was sent. */
  async outcomes(campaignIds: string[]): Promise<Map<string, CampaignOutcomes>> {
    return campaignIds.length ? this.threads.outcomesOf(campaignIds) : new Map();
  }

  static view(outcomes: CampaignOutcomes | undefined, sent: number): CampaignOutcomesView {
    const o = outcomes ?? { replied: 0, optedOut: 0, autoClosed: 0 };
    return { ...o, replyRate: sent > 0 ? Math.round((o.replied / sent) * 10_000) / 10_000 : null };
  }
}

function textOf(content: unknown): string {
  const c = content as { type?: unknown; payload?: { text?: unknown } } | null;
  if (typeof c?.payload?.text === 'string') return c.payload.text;
  return `[${typeof c?.type === 'string' ? c.type : 'message'}]`;
}
