import { Injectable } from '@nestjs/common';
import { ForbiddenError } from '@/infra/errors/domain-error';
import type { CxonePrincipal } from '@/infra/auth/principal';
import { ByocChannel, ChannelsService } from '@/modules/channels/channels.service';
import { ConversationsService, DeliveredAgentMessage } from '@/modules/conversations/conversations.service';
import { readLegacyReply, readOutbound, readRecipients, readSenderAction } from './byoc-bodies';
import { ByocChannelNotFoundError } from './byoc.errors';

/** What recipient validation answers when a customer cannot be reached. */
export interface RecipientProblem {
  errorCode: 'outboundValidationFailed';
  displayErrorMessage: string;
  errors: Array<{ path: Array<string | number>; message: string }>;
}

/**
 * The CXone side of the BYOC middleware: each callback names a channel by CXone's id; the caller's token must
 * belong to that channel (or to its BYOC integration), else 403; an unknown channel is a 404.
 */
@Injectable()
export class ByocService {
  constructor(
    private readonly channels: ChannelsService,
    private readonly conversations: ConversationsService,
  ) {}

  async outbound(principal: CxonePrincipal, cxoneChannelId: string, body: unknown): Promise<DeliveredAgentMessage> {
    const message = readOutbound(body);
    return this.conversations.deliverAgentMessage(await this.channel(principal, cxoneChannelId), message);
  }

  /** The legacy reply path: the post id is the thread's id; answers `{idOnExternalPlatform}`. */
  async legacyReply(
    principal: CxonePrincipal,
    postId: string,
    body: unknown,
  ): Promise<{ idOnExternalPlatform: string }> {
    const message = readLegacyReply(postId, body);
    const channel = await this.channelOfThread(principal, postId);
    const delivered = await this.conversations.deliverAgentMessage(channel, message);
    return { idOnExternalPlatform: delivered.message.idOnExternalPlatform };
  }

  async senderAction(
    principal: CxonePrincipal,
    cxoneChannelId: string,
    threadId: string,
    body: unknown,
  ): Promise<void> {
    const { typing, authorName } = readSenderAction(body);
    await this.conversations.agentTyping(await this.channel(principal, cxoneChannelId), threadId, typing, authorName);
  }

  /** Null when every recipient can be reached; else the problem, phrased for the agent. */
  async validateRecipients(
    principal: CxonePrincipal,
    cxoneChannelId: string,
    body: unknown,
  ): Promise<RecipientProblem | null> {
    const ids = readRecipients(body);
    const reachable = await this.conversations.reachable(await this.channel(principal, cxoneChannelId), ids);
    const unreachable = ids.map((id, i) => ({ id, i })).filter((r) => !reachable.has(r.id));
    if (unreachable.length === 0) return null;
    return {
      errorCode: 'outboundValidationFailed',
      displayErrorMessage:
        unreachable.length === 1
          ? `This customer (${unreachable[0].id}) has never opened the chat, so they cannot be reached here.`
          : `${unreachable.length} of these customers have never opened the chat, so they cannot be reached here.`,
      errors: unreachable.map((r) => ({
        path: ['endUserRecipients', r.i, 'idOnExternalPlatform'],
        message: `no chat customer ${r.id} on this channel`,
      })),
    };
  }

  private async channel(principal: CxonePrincipal, cxoneChannelId: string): Promise<ByocChannel> {
    const candidates = await this.channels.cachedByocByCxoneId(cxoneChannelId);
    if (candidates.length === 0) throw new ByocChannelNotFoundError(cxoneChannelId);
    const allowed = candidates.find((c) => mayUse(principal, c));
    if (!allowed) throw new ForbiddenError(`these credentials are not for channel ${cxoneChannelId}`);
    if (!allowed.isActive) throw new ByocChannelNotFoundError(cxoneChannelId);
    return allowed;
  }

  /** The legacy path names no channel: the post is found among the channels the caller may use. */
  private async channelOfThread(principal: CxonePrincipal, postId: string): Promise<ByocChannel> {
    const withThread = await this.conversations.channelsWithThread(postId);
    for (const id of [...withThread, ...(principal.channelId ? [principal.channelId] : [])]) {
      const channel = await this.channels.cachedByoc(id).catch(() => null);
      if (channel && channel.isActive && mayUse(principal, channel)) return channel;
    }
    throw new ByocChannelNotFoundError(`for post ${postId}`);
  }
}

function mayUse(principal: CxonePrincipal, channel: ByocChannel): boolean {
  return (
    principal.channelId === channel.id ||
    (principal.integrationId !== null && channel.integrationId === principal.integrationId)
  );
}
