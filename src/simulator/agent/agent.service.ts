import { Injectable } from '@nestjs/common';
import { DFO_CONTACT_STATUSES, DfoContactStatus, DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import { FieldCheck, isObject, JsonObject } from '@/simulator/common/field-check';
import { ControlError, DfoError } from '@/simulator/common/sim-errors';
import { SimDfoContact, toDfoContact } from '@/simulator/dfo/dfo-mappers';
import { isByocChannel, MessagingService } from '@/simulator/dfo/messaging.service';
import { ConversationStore, SimAuthorUser } from '@/simulator/state/conversations';
import { SIM_USERS } from '@/simulator/state/seed';
import { SimSettings } from '@/simulator/state/sim-settings';
import { TenantRegistry } from '@/simulator/state/tenants';
import { DfoEvents } from '@/simulator/events/dfo-events.service';
import { ByocDelivery } from './byoc-delivery';
import { MiddlewareAnswer, MiddlewareClient } from './middleware-client';

/** What a control call that reached (or tried to reach) the middleware answers. */
export interface AgentCallResult {
  /** The middleware's status; null when it was not called (native channel) or did not answer. */
  status: number | null;
  body: unknown;
  error?: string;
  /** 'token': no token could be had; 'validation': the recipient validation refused (nothing was sent). */
  stage?: 'token' | 'call' | 'validation';
  /** Agent-initiated outbound on a BYOC channel: what the middleware's recipients/validation answered. */
  validation?: { status: number | null; body: unknown; error?: string };
  /** Whether the agent's message was stored and handed over (false: refused by the recipient validation). */
  sent?: boolean;
  /** The message the agent wrote, as stored. */
  messageId?: string;
  idOnExternalPlatform?: string | null;
  contactNumber?: string;
  threadIdOnExternalPlatform?: string;
  /** 'middleware' (BYOC channel) or 'native' (SMS/WhatsApp: CXone delivers it itself). */
  deliveredVia?: 'middleware' | 'native';
}

function controlBody(body: unknown, allowed: readonly string[]): { check: FieldCheck; b: JsonObject } {
  if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object');
  const check = new FieldCheck();
  check.noExtraKeys(body, allowed);
  return { check, b: body };
}

function failIfAny(check: FieldCheck): void {
  if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
}

/** Rules refused on behalf of the simulated people come back as control errors, with DFO's reasons as details. */
function asControlError(err: unknown): never {
  if (err instanceof DfoError) {
    const body = err.body as { errors: Array<{ message: string }> };
    throw new ControlError(err.status === 400 ? 409 : err.status, err.message, body.errors);
  }
  throw err;
}

/**
 * The people on the CXone side, driven by the control API: agents replying, starting conversations, typing and
 * closing contacts; customers replying on SMS/WhatsApp.
 */
@Injectable()
export class AgentService {
  constructor(
    private readonly store: ConversationStore,
    private readonly messaging: MessagingService,
    private readonly byoc: ByocDelivery,
    private readonly client: MiddlewareClient,
    private readonly tenants: TenantRegistry,
    private readonly events: DfoEvents,
    private readonly settings: SimSettings,
  ) {}

  /** POST /sim/agent/reply {channelId, threadIdOnExternalPlatform, text, agent?}. */
  async reply(body: unknown): Promise<AgentCallResult> {
    const { check, b } = controlBody(body, ['channelId', 'threadIdOnExternalPlatform', 'text', 'agent']);
    const channelId = check.string(b.channelId, 'channelId');
    const threadId = check.string(b.threadIdOnExternalPlatform, 'threadIdOnExternalPlatform');
    const text = check.string(b.text, 'text');
    const agent = this.agentOf(check, b.agent);
    failIfAny(check);
    const channel = this.channel(channelId!);
    const thread = this.store.thread(channel.id, threadId!);
    if (!thread) throw new ControlError(404, `thread ${threadId} does not exist on channel ${channelId}`);
    return await this.sendAgentMessage(() =>
      this.messaging.recordAgentMessage({ channel, thread, text: text!, agent }),
    );
  }

  /**
   * POST /sim/agent/outbound {channelId, to, text, agent?}: an agent starts a conversation (a new thread). On a BYOC
   * channel CXone first asks the middleware whether it can deliver to `to` (POST {middleware}/1.0/channel/{id}/
   * recipients/validation, cxone-api.md §2.4; the recipientValidation setting): anything but a 200 is shown to the
   * agent and nothing is sent.
   */
  async outbound(body: unknown): Promise<AgentCallResult> {
    const { check, b } = controlBody(body, ['channelId', 'to', 'text', 'agent']);
    const channelId = check.string(b.channelId, 'channelId');
    const to = check.string(b.to, 'to');
    const text = check.string(b.text, 'text');
    const agent = this.agentOf(check, b.agent);
    failIfAny(check);
    const channel = this.channel(channelId!);
    let validation: AgentCallResult['validation'];
    if (isByocChannel(channel) && this.settings.value.recipientValidation) {
      const answer = await this.client.call(
        'middlewareRecipientValidation',
        'POST',
        `/1.0/channel/${encodeURIComponent(channel.id)}/recipients/validation`,
        { endUserRecipients: [{ idOnExternalPlatform: to! }] },
      );
      validation = {
        status: answer.status,
        body: answer.body,
        ...(answer.error !== undefined ? { error: answer.error } : {}),
      };
      if (answer.status !== 200) {
        return {
          ...result(answer),
          stage: answer.stage === 'token' ? 'token' : 'validation',
          validation,
          sent: false,
          deliveredVia: 'middleware',
        };
      }
    }
    const sent = await this.sendAgentMessage(() =>
      this.messaging.recordAgentMessage({ channel, thread: null, to: to!, text: text!, agent }),
    );
    return validation ? { ...sent, validation } : sent;
  }

  /** POST /sim/agent/typing {channelId, threadIdOnExternalPlatform, typing}. */
  async typing(body: unknown): Promise<AgentCallResult> {
    const { check, b } = controlBody(body, ['channelId', 'threadIdOnExternalPlatform', 'typing', 'agent']);
    const channelId = check.string(b.channelId, 'channelId');
    const threadId = check.string(b.threadIdOnExternalPlatform, 'threadIdOnExternalPlatform');
    const typing = check.boolean(b.typing, 'typing');
    const agent = this.agentOf(check, b.agent);
    failIfAny(check);
    const channel = this.channel(channelId!);
    if (!isByocChannel(channel) || !channel.canSendSenderActions) {
      throw new ControlError(409, `channel ${channel.id} does not send sender actions (canSendSenderActions is off)`);
    }
    const thread = this.store.thread(channel.id, threadId!);
    if (!thread) throw new ControlError(404, `thread ${threadId} does not exist on channel ${channelId}`);
    const contactNumber = thread.contactNumbers[thread.contactNumbers.length - 1];
    const tenantId = (contactNumber && this.store.contact(contactNumber)?.tenantId) || this.tenants.defaultTenantId;
    const tenant = this.tenants.get(tenantId) ?? this.tenants.defaultTenant();
    const answer = await this.client.call(
      'middlewareSenderAction',
      'POST',
      `/1.0/channel/${encodeURIComponent(channel.id)}/thread/${encodeURIComponent(thread.idOnExternalPlatform)}/sender-action`,
      {
        brand: { id: tenant.brandId, friendlyName: tenant.brandName },
        senderAction: { action: typing ? 'isTypingOn' : 'isTypingOff' },
        authorUser: { id: agent.id, firstName: agent.firstName, surname: agent.surname },
      },
    );
    return { ...result(answer), threadIdOnExternalPlatform: thread.idOnExternalPlatform, deliveredVia: 'middleware' };
  }

  /** POST /sim/contacts/{contactNumber}/status {status}: an agent resolves or closes a contact. */
  setContactStatus(contactNumber: string, body: unknown): SimDfoContact {
    const { check, b } = controlBody(body, ['status']);
    const status = check.oneOf<DfoContactStatus>(b.status, 'status', DFO_CONTACT_STATUSES);
    failIfAny(check);
    const contact = this.store.contact(contactNumber);
    if (!contact) throw new ControlError(404, `contact ${contactNumber} does not exist`);
    this.events.setContactStatus(contact, status!);
    return toDfoContact(contact, this.store);
  }

  /** POST /sim/customer/reply {channelId, from, text, threadIdOnExternalPlatform?, firstName?, lastName?}. */
  customerReply(body: unknown): DfoMessageResponse {
    const { check, b } = controlBody(body, [
      'channelId',
      'from',
      'text',
      'threadIdOnExternalPlatform',
      'firstName',
      'lastName',
    ]);
    const channelId = check.string(b.channelId, 'channelId');
    const from = check.string(b.from, 'from');
    const text = check.string(b.text, 'text');
    const threadId = check.optionalString(b.threadIdOnExternalPlatform, 'threadIdOnExternalPlatform');
    const firstName = check.optionalString(b.firstName, 'firstName');
    const lastName = check.optionalString(b.lastName, 'lastName');
    failIfAny(check);
    this.channel(channelId!);
    try {
      return this.messaging.customerReply({
        channelId: channelId!,
        from: from!,
        text: text!,
        ...(threadId !== undefined ? { threadIdOnExternalPlatform: threadId } : {}),
        ...(firstName !== undefined ? { firstName } : {}),
        ...(lastName !== undefined ? { lastName } : {}),
      });
    } catch (err) {
      return asControlError(err);
    }
  }

  private async sendAgentMessage(
    record: () => ReturnType<MessagingService['recordAgentMessage']>,
  ): Promise<AgentCallResult> {
    let recorded: ReturnType<MessagingService['recordAgentMessage']>;
    try {
      recorded = record();
    } catch (err) {
      return asControlError(err);
    }
    const { thread, contact, message } = recorded;
    const facts = {
      messageId: message.id,
      contactNumber: contact.id,
      threadIdOnExternalPlatform: thread.idOnExternalPlatform,
    };
    const channel = this.store.channel(thread.channelId)!;
    if (!isByocChannel(channel)) {
      return {
        status: null,
        body: null,
        sent: true,
        ...facts,
        idOnExternalPlatform: message.idOnExternalPlatform,
        deliveredVia: 'native',
      };
    }
    const answer = await this.byoc.send(channel, contact, message, message.authorUser!);
    return {
      ...result(answer),
      sent: true,
      ...facts,
      idOnExternalPlatform: message.idOnExternalPlatform,
      deliveredVia: 'middleware',
    };
  }

  private channel(channelId: string) {
    const channel = this.store.channel(channelId);
    if (!channel) throw new ControlError(404, `channel ${channelId} does not exist`);
    return channel;
  }

  private agentOf(check: FieldCheck, value: unknown): SimAuthorUser {
    const agent = check.optionalObject(value, 'agent');
    const firstName = agent ? check.optionalString(agent.firstName, 'agent.firstName') : undefined;
    const surname = agent ? check.optionalString(agent.surname, 'agent.surname') : undefined;
    const id = agent ? check.optionalNumber(agent.id, 'agent.id', { integer: true, min: 1 }) : undefined;
    return {
      id: id ?? SIM_USERS.agent.id,
      firstName: firstName ?? SIM_USERS.agent.firstName,
      surname: surname ?? SIM_USERS.agent.surname,
    };
  }
}

function result(answer: MiddlewareAnswer): AgentCallResult {
  return {
    status: answer.status,
    body: answer.body,
    stage: answer.stage,
    ...(answer.error !== undefined ? { error: answer.error } : {}),
  };
}
