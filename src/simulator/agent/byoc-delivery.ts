import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { DfoChannel } from '@/integrations/cxone/dfo.types';
import { SimClock } from '@/simulator/common/clock';
import { isObject } from '@/simulator/common/field-check';
import { ChannelsService } from '@/simulator/dfo/channels.service';
import { ConversationStore, SimAuthorUser, SimContact, SimMessage } from '@/simulator/state/conversations';
import { SIM_USERS } from '@/simulator/state/seed';
import { TenantRegistry } from '@/simulator/state/tenants';
import { MiddlewareAnswer, MiddlewareClient } from './middleware-client';

/**
 * Hands outbound messages on BYOC channels to the middleware and records the outcome on the message: the external id
 * the middleware answered, or `failed` with the reason. Which endpoint depends on the channel's "Use DFO 3.0
 * Outbound API for replies" (useDfo3Outbound): `POST {middlewareUrl}/2.0/channel/{channelId}/outbound`
 * (cxone-api.md §2.1, answer `{message:{idOnExternalPlatform}, …}`) or the legacy
 * `POST {middlewareUrl}/1.0/posts/{threadIdOnExternalPlatform}/messages` (§2.2, answer `{idOnExternalPlatform}`).
 */
@Injectable()
export class ByocDelivery implements OnModuleDestroy {
  private readonly logger = new Logger(ByocDelivery.name);
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly client: MiddlewareClient,
    private readonly store: ConversationStore,
    private readonly tenants: TenantRegistry,
    private readonly channels: ChannelsService,
    private readonly clock: SimClock,
  ) {}

  /**
   * In the background (an outbound accepted through the DFO API [I]): failures are logged and recorded on the
   * message, never reflected in the DFO answer.
   */
  deliver(channel: DfoChannel, contact: SimContact, message: SimMessage): void {
    const delivery = this.send(channel, contact, message, SIM_USERS.api)
      .catch((err: unknown) => this.logger.warn(`delivery of ${message.id} failed: ${String(err)}`))
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Sends one message to the middleware and waits for its answer. */
  async send(
    channel: DfoChannel,
    contact: SimContact,
    message: SimMessage,
    author: SimAuthorUser,
  ): Promise<MiddlewareAnswer> {
    const tenant = this.tenants.get(contact.tenantId) ?? this.tenants.defaultTenant();
    const thread = this.store.thread(channel.id, message.threadIdOnExternalPlatform);
    const brand = { id: tenant.brandId, friendlyName: tenant.brandName };
    const recipients = message.recipients.map((r, i) => this.recipient(channel.id, r, i));
    const authorUser = { id: author.id, firstName: author.firstName, surname: author.surname };
    const attachments = message.attachments.length > 0 ? { attachments: message.attachments } : {};
    const threadName = thread?.threadName ? { threadName: thread.threadName } : {};
    if (!this.channels.usesDfo3Outbound(channel.id)) {
      // The legacy body is undocumented; these are the fields a NICE sample reads (cxone-api.md §2.2).
      const answer = await this.client.call(
        'middlewareLegacyReply',
        'POST',
        `/1.0/posts/${encodeURIComponent(message.threadIdOnExternalPlatform)}/messages`,
        {
          brand,
          post: { idOnExternalPlatform: message.threadIdOnExternalPlatform, ...threadName },
          messageContent: message.messageContent,
          recipients,
          author: authorUser,
          ...attachments,
        },
      );
      this.record(message, answer, 'legacy');
      return answer;
    }
    const answer = await this.client.call(
      'middlewareOutbound',
      'POST',
      `/2.0/channel/${encodeURIComponent(channel.id)}/outbound`,
      {
        brand,
        thread: { idOnExternalPlatform: message.threadIdOnExternalPlatform, ...threadName },
        messageContent: message.messageContent,
        endUserRecipients: recipients,
        authorUser,
        ...attachments,
      },
    );
    this.record(message, answer, 'dfo3');
    return answer;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private recipient(channelId: string, r: SimMessage['recipients'][number], index: number) {
    const user = this.store.endUser(channelId, r.idOnExternalPlatform);
    const name = r.name ?? ([user?.firstName, user?.lastName].filter(Boolean).join(' ') || undefined);
    return {
      idOnExternalPlatform: r.idOnExternalPlatform,
      ...(name ? { name } : {}),
      isPrimary: r.isPrimary ?? index === 0,
    };
  }

  private record(message: SimMessage, answer: MiddlewareAnswer, path: 'dfo3' | 'legacy'): void {
    // 2.1 answers {message:{idOnExternalPlatform}, thread, …}; the legacy path a flat {idOnExternalPlatform}.
    const body = isObject(answer.body) ? answer.body : undefined;
    const external = path === 'legacy' ? body : isObject(body?.message) ? body.message : undefined;
    if (answer.status === 200 && typeof external?.idOnExternalPlatform === 'string' && external.idOnExternalPlatform) {
      if (!message.idOnExternalPlatform) this.store.setExternalId(message, external.idOnExternalPlatform);
      return;
    }
    message.deliveryStatus = 'failed';
    message.deliveryStatusUpdatedAt = this.clock.nowIso();
    message.deliveryReason =
      answer.status === null
        ? `middleware unreachable: ${answer.error ?? 'no answer'}`
        : answer.status === 200
          ? `middleware answered 200 without ${path === 'legacy' ? '' : 'message.'}idOnExternalPlatform`
          : `middleware answered ${answer.status}${answer.stage === 'token' ? ' to the token request' : ''}`;
  }
}
