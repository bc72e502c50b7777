import { Injectable, Logger } from '@nestjs/common';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { AppConfig, SIMULATOR_CHAT_CHANNEL_ID } from '@/config';
import { ForbiddenError, NotFoundError, TooManyRequestsError, UnauthenticatedError } from '@/infra/errors/domain-error';
import type { WidgetPrincipal } from '@/infra/auth/principal';
import { RedisService } from '@/infra/redis/redis.service';
import { Clock } from '@/infra/time/clock';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ByocChannel, ChannelsService } from '@/modules/channels/channels.service';
import type { MessageView, ThreadView } from '@/modules/conversations/conversation-views';
import { ConversationsService } from '@/modules/conversations/conversations.service';
import { ConversationResponse, PostMessageDto, SessionResponse, StartSessionDto } from './dto/widget.dto';
import { WidgetOrigins } from './widget-origins';
import { customerSignature, WidgetSessions } from './widget-sessions';

const SIGNATURE_WINDOW_S = 300;

/**
 * The browser side of the BYOC middleware: sessions for one customer of one channel (an anonymous visitor, or a
 * customer id the business's backend signed with the channel's identity secret), their conversation, posts (rate
 * limited per session) and typing. The chat flow itself is the ConversationsService's.
 */
@Injectable()
export class WidgetService {
  private readonly logger = new Logger(WidgetService.name);

  constructor(
    private readonly channels: ChannelsService,
    private readonly accounts: AccountsService,
    private readonly sessions: WidgetSessions,
    private readonly origins: WidgetOrigins,
    private readonly conversations: ConversationsService,
    private readonly redis: RedisService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async startSession(channelId: string, dto: StartSessionDto, origin: string | undefined): Promise<SessionResponse> {
    const channel = await this.channels.cachedByoc(channelId).catch(() => {
      throw new NotFoundError(`no BYOC chat channel ${channelId}`);
    });
    if (!channel.isActive) throw new NotFoundError(`no BYOC chat channel ${channelId}`);
    if (!this.origins.allows(channel, origin)) {
      throw new ForbiddenError(`this chat channel does not accept requests from ${String(origin)}`);
    }
    const customerId = this.customerOf(channel, dto);
    const thread = await this.conversations.begin(channel, customerId, dto.name ?? null);
    const session = this.sessions.issue(channel.id, customerId);
    return {
      token: session.token,
      expiresAt: session.expiresAt,
      customer: { id: customerId, name: dto.name ?? null },
      thread,
    };
  }

  /** With the simulator as tenant: the simulator's chat channel, for the demo page. */
  async demoChannel(): Promise<{ channelId: string }> {
    if (!this.config.byoc.seedDevelopmentChannel) throw new NotFoundError('no demo chat channel outside development');
    const accountId = await this.accounts.defaultAccountId();
    const [channel] = (await this.channels.byocByCxoneId(SIMULATOR_CHAT_CHANNEL_ID)).filter(
      (c) => c.accountId === accountId && c.isActive,
    );
    if (!channel) throw new NotFoundError('the demo chat channel is not set up yet');
    return { channelId: channel.id };
  }

  async conversation(session: WidgetPrincipal): Promise<ConversationResponse> {
    return this.conversations.current(await this.channel(session), session.customerId);
  }

  async startConversation(session: WidgetPrincipal): Promise<ThreadView> {
    return this.conversations.start(await this.channel(session), session.customerId);
  }

  async endConversation(session: WidgetPrincipal): Promise<ThreadView> {
    return this.conversations.end(await this.channel(session), session.customerId);
  }

  async post(session: WidgetPrincipal, dto: PostMessageDto): Promise<MessageView> {
    await this.limitPosts(session);
    return this.conversations.post(await this.channel(session), session.customerId, dto);
  }

  async typing(session: WidgetPrincipal, typing: boolean): Promise<void> {
    await this.conversations.customerTyping(await this.channel(session), session.customerId, typing);
  }

  /** The customer's contact id (the topic of their live events). */
  async contactOf(session: WidgetPrincipal): Promise<{ channel: ByocChannel; contactId: string }> {
    const channel = await this.channel(session);
    return { channel, contactId: await this.conversations.contactOf(channel, session.customerId) };
  }

  private channel(session: WidgetPrincipal): Promise<ByocChannel> {
    return this.channels.cachedByoc(session.channelId);
  }

  /** Who the session is for: a signed customer id, a returning visitor, or a new anonymous visitor. */
  private customerOf(channel: ByocChannel, dto: StartSessionDto): string {
    if (dto.customerId === undefined) return dto.visitorId ?? `v-${randomUUID()}`;
    const secret = this.channels.identitySecret(channel);
    if (!secret) throw new ForbiddenError('this channel takes anonymous visitors only (no identity secret is set)');
    if (dto.issuedAt === undefined || dto.signature === undefined) {
      throw new UnauthenticatedError('a customerId needs issuedAt and signature from your backend');
    }
    const now = Math.floor(this.clock.now() / 1000);
    if (Math.abs(now - dto.issuedAt) > SIGNATURE_WINDOW_S) {
      throw new UnauthenticatedError('the customer signature is too old (or from the future): sign it again');
    }
    const expected = Buffer.from(customerSignature(secret, dto.customerId, dto.issuedAt), 'hex');
    const given = Buffer.from(dto.signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthenticatedError('the customer signature does not match');
    }
    return dto.customerId;
  }

  /** At most WIDGET_POSTS_PER_MINUTE posts per session per minute; without Redis, posts are not limited. */
  private async limitPosts(session: WidgetPrincipal): Promise<void> {
    const minute = Math.floor(this.clock.now() / 60_000);
    const key = this.redis.key('widget', 'posts', session.sessionId, String(minute));
    let count: number;
    try {
      count = await this.redis.withTimeout(this.redis.client.incr(key), 250);
      if (count === 1) void this.redis.client.expire(key, 120).catch(() => undefined);
    } catch (err) {
      this.logger.debug(`post rate not checked: ${String(err)}`);
      return;
    }
    if (count > this.config.byoc.widgetPostsPerMinute) {
      const retryAfter = 60 - (Math.floor(this.clock.now() / 1000) % 60);
      throw new TooManyRequestsError(
        `at most ${this.config.byoc.widgetPostsPerMinute} messages a minute: wait ${retryAfter} s`,
        retryAfter,
      );
    }
  }
}
