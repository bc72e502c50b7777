import { Body, Controller, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthStrategy, CurrentPrincipal, Public } from '@/infra/auth/auth.decorators';
import type { CxonePrincipal } from '@/infra/auth/principal';
import type { DeliveredAgentMessage } from '@/modules/conversations/conversations.service';
import { readTokenRequest } from './byoc-bodies';
import { OAuthError } from './byoc.errors';
import { ByocService, RecipientProblem } from './byoc.service';
import { CallbackClientsService } from './callback-clients.service';
import { CXONE_CALLBACK_STRATEGY } from './cxone-callback.strategy';

export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/**
 * The endpoints CXone calls, under the "Integration Box URL" an admin enters in CXone's BYOC integration form
 * (`<PUBLIC_URL>/integration/box`; its Authorization URL is `…/1.0/token`). Paths and payloads: cxone-api.md §1.2, §2.
 */
@ApiExcludeController()
@Controller('integration/box')
@AuthStrategy(CXONE_CALLBACK_STRATEGY)
export class ByocController {
  constructor(
    private readonly byoc: ByocService,
    private readonly clients: CallbackClientsService,
  ) {}

  /** Client credentials (JSON or form body, or HTTP Basic) → a short-lived opaque bearer token. */
  @Post('1.0/token')
  @Public()
  @HttpCode(200)
  async token(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenAnswer> {
    const request = readTokenRequest(body);
    const basic = basicCredentials(authorization);
    if (request.grantType !== 'client_credentials') {
      throw typeof request.grantType === 'string'
        ? new OAuthError(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported')
        : new OAuthError(400, 'invalid_request', 'grant_type is required (client_credentials)');
    }
    const clientId = basic?.clientId ?? request.clientId;
    const clientSecret = basic?.clientSecret ?? request.clientSecret;
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || !clientId || !clientSecret) {
      throw new OAuthError(400, 'invalid_request', 'client_id and client_secret are required');
    }
    const issued = await this.clients.exchange(clientId, clientSecret);
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn };
  }

  /** An agent's (or bot's) message for the customer ("Use DFO 3.0 Outbound API for replies" on). */
  @Post('2.0/channel/:channelId/outbound')
  @HttpCode(200)
  outbound(
    @CurrentPrincipal('cxone') principal: CxonePrincipal,
    @Param('channelId') channelId: string,
    @Body() body: unknown,
  ): Promise<DeliveredAgentMessage> {
    return this.byoc.outbound(principal, channelId, body);
  }

  /** The legacy reply path (the checkbox off): the post id is the thread's id. */
  @Post('1.0/posts/:postId/messages')
  @HttpCode(200)
  legacyReply(
    @CurrentPrincipal('cxone') principal: CxonePrincipal,
    @Param('postId') postId: string,
    @Body() body: unknown,
  ): Promise<{ idOnExternalPlatform: string }> {
    return this.byoc.legacyReply(principal, postId, body);
  }

  /** The agent is typing, or stopped. */
  @Post('1.0/channel/:channelId/thread/:threadId/sender-action')
  @HttpCode(204)
  async senderAction(
    @CurrentPrincipal('cxone') principal: CxonePrincipal,
    @Param('channelId') channelId: string,
    @Param('threadId') threadId: string,
    @Body() body: unknown,
  ): Promise<void> {
    await this.byoc.senderAction(principal, channelId, threadId, body);
  }

  /**
   * Before an agent starts a conversation: 200 when Threadline can reach every recipient, else 400 with CXone's
   * `{errorCode: "outboundValidationFailed", displayErrorMessage, errors}` (shown to the agent), in the one error
   * shape too.
   */
  @Post('1.0/channel/:channelId/recipients/validation')
  @HttpCode(200)
  async validateRecipients(
    @CurrentPrincipal('cxone') principal: CxonePrincipal,
    @Param('channelId') channelId: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: 'valid' } | (RecipientProblem & Record<string, unknown>)> {
    const problem = await this.byoc.validateRecipients(principal, channelId, body);
    if (!problem) return { status: 'valid' };
    void reply.code(400);
    return {
      statusCode: 400,
      error: 'Bad Request',
      message: problem.displayErrorMessage,
      requestId: request.id,
      ...problem,
    };
  }
}

function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon)),
    clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}
