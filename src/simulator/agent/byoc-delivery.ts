import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { DfoChannel } from '@/integrations/cxone/dfo.types';
import { isObject } from '@/simulator/common/field-check';
import { ConversationStore, SimAuthorUser, SimContact, SimMessage } from '@/simulator/state/conversations';
import { SIM_USERS } from '@/simulator/state/seed';
import { TenantRegistry } from '@/simulator/state/tenants';
import { MiddlewareAnswer, MiddlewareClient } from './middleware-client';

/**
 * Hands outbound messages on BYOC channels to the middleware's outbound endpoint
 * (`POST {middlewareUrl}/2.0/channel/{channelId}/outbound`, cxone-api.md §2.1) and records the outcome on the
 * message: the external id the middleware answered, or `failed` with the reason.
 */
@Injectable()
export class ByocDelivery implements OnModuleDestroy {
  private readonly logger = new Logger(ByocDelivery.name);
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly client: MiddlewareClient,
    private readonly store: ConversationStore,
    private readonly tenants: TenantRegistry,
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
    const body = {
      brand: { id: tenant.brandId, friendlyName: tenant.brandName },
      thread: {
        idOnExternalPlatform: message.threadIdOnExternalPlatform,
        ...(thread?.threadName ? { threadName: thread.threadName } : {}),
      },
      messageContent: message.messageContent,
      endUserRecipients: message.recipients.map((r, i) => this.recipient(channel.id, r, i)),
      authorUser: { id: author.id, firstName: author.firstName, surname: author.surname },
      ...(message.attachments.length > 0 ? { attachments: message.attachments } : {}),
    };
    const answer = await this.client.call(
      'middlewareOutbound',
      'POST',
      `/2.0/channel/${encodeURIComponent(channel.id)}/outbound`,
      body,
    );
    this.record(message, answer);
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

  private record(message: SimMessage, answer: MiddlewareAnswer): void {
    const external = isObject(answer.body) && isObject(answer.body.message) ? answer.body.message : undefined;
    if (answer.status === 200 && typeof external?.idOnExternalPlatform === 'string') {
      if (!message.idOnExternalPlatform) this.store.setExternalId(message, external.idOnExternalPlatform);
      return;
    }
    message.deliveryStatus = 'failed';
    message.deliveryStatusUpdatedAt = new Date().toISOString();
    message.deliveryReason =
      answer.status === null
        ? `middleware unreachable: ${answer.error ?? 'no answer'}`
        : answer.status === 200
          ? 'middleware answered 200 without message.idOnExternalPlatform'
          : `middleware answered ${answer.status}${answer.stage === 'token' ? ' to the token request' : ''}`;
  }
}
