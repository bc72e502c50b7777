import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { UnauthenticatedError, ValidationFailedError } from '@/infra/errors/domain-error';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { JobName } from '@/infra/queue/queue.constants';
import { QueueService } from '@/infra/queue/queue.service';
import { Clock } from '@/infra/time/clock';
import { withDeadline } from '@/infra/time/deadline';
import type { DfoContactStatus, DfoMessageContent } from '@/integrations/cxone/dfo.types';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { ConversationsService } from '@/modules/conversations/conversations.service';
import { InboundService } from '@/modules/replies/inbound.service';
import { ThreadsService } from '@/modules/threads/threads.service';
import { CxoneEventsRepository, StoredEvent } from './cxone-events.repository';
import { WebhookHeaders, webhookProblem } from './webhook-auth';

export const EVENT_MAX_ATTEMPTS = 10;
const ENDED: ReadonlySet<string> = new Set<DfoContactStatus>(['resolved', 'closed', 'trashed']);

export interface ReceivedEvent {
  eventId: string;
  duplicate: boolean;
}

export function processEventJobOptions(rowId: string) {
  return {
    jobId: `cxe-${rowId}`,
    attempts: EVENT_MAX_ATTEMPTS,
    backoff: { type: 'exponential' as const, delay: 1000 },
  };
}

/**
 * CXone's event pushes (`POST /webhooks/cxone/{accountId}`): authenticated with the account's secret, stored once per
 * event id (a repeat or a replay changes nothing), answered at once, then processed from a queue: a customer's
 * message goes to the InboundService (replies, keywords), a contact resolved or closed ends its thread (a BYOC chat
 * is locked for the customer).
 */
@Injectable()
export class CxoneEventsService {
  private readonly logger = new Logger(CxoneEventsService.name);
  private readonly received: Counter<'type' | 'outcome'>;

  constructor(
    private readonly repository: CxoneEventsRepository,
    private readonly accounts: AccountsService,
    private readonly queues: QueueService,
    private readonly inbound: InboundService,
    private readonly threads: ThreadsService,
    private readonly channels: ChannelsService,
    private readonly conversations: ConversationsService,
    private readonly clock: Clock,
    metrics: MetricsService,
  ) {
    this.received = metrics.counter({
      name: 'threadline_cxone_events_total',
      help: 'CXone event pushes by type and outcome (stored, duplicate, refused)',
      labelNames: ['type', 'outcome'],
    });
  }

  async receive(
    accountIdOrDefault: string,
    headers: WebhookHeaders,
    rawBody: string,
    body: unknown,
  ): Promise<ReceivedEvent> {
    const accountId = accountIdOrDefault === 'default' ? await this.accounts.defaultAccountId() : accountIdOrDefault;
    const secret = await this.accounts.webhookSecret(accountId);
    if (!secret) {
      this.received.inc({ type: 'unknown', outcome: 'refused' });
      throw new UnauthenticatedError(`account ${accountId} has no webhook secret: set one with PATCH /api/v1/accounts`);
    }
    const problem = webhookProblem(headers, rawBody, secret, this.clock.now());
    if (problem) {
      this.received.inc({ type: 'unknown', outcome: 'refused' });
      this.logger.warn({ accountId }, `CXone event refused: ${problem}`);
      throw new UnauthenticatedError(problem);
    }
    const envelope = readEnvelope(body);
    const rowId = await this.repository.insertOnce({ accountId, ...envelope, payload: body });
    this.received.inc({ type: envelope.eventType, outcome: rowId ? 'stored' : 'duplicate' });
    if (rowId) await this.queue(rowId);
    return { eventId: envelope.eventId, duplicate: rowId === null };
  }

  /** Queues processing; without Redis the event stays stored and the sweep queues it. */
  async queue(rowId: string): Promise<void> {
    try {
      await withDeadline(
        this.queues.add(JobName.ProcessCxoneEvent, { eventRowId: rowId }, processEventJobOptions(rowId)),
        2000,
        'Redis',
      );
    } catch (err) {
      this.logger.warn({ eventRowId: rowId }, `CXone event not queued now (${String(err)}); the sweep will`);
    }
  }

  /** Processes a stored event (once: a processed one is skipped). Throws to be retried. */
  async process(rowId: string): Promise<string> {
    const event = await this.repository.findById(rowId);
    if (!event) return 'gone';
    if (event.processedAt) return 'already processed';
    try {
      const outcome = await this.apply(event);
      await this.repository.markProcessed(rowId);
      return outcome;
    } catch (err) {
      await this.repository.noteFailure(rowId, String(err));
      throw err;
    }
  }

  unprocessed(olderThanMs: number, limit: number): Promise<string[]> {
    return this.repository.unprocessed(olderThanMs, EVENT_MAX_ATTEMPTS, limit);
  }

  private async apply(event: StoredEvent): Promise<string> {
    const data = (event.payload as { data?: unknown }).data as EventData | undefined;
    if (!data || typeof data !== 'object') return 'ignored: no data';
    const cxoneChannelId = data.channel?.id;
    if (typeof cxoneChannelId !== 'string') return 'ignored: no channel';
    switch (event.eventType) {
      case 'MessageCreated':
      case 'MessageAddedIntoCase': {
        const message = data.message;
        if (!message || message.direction !== 'inbound') return 'ignored: not a customer message';
        const from = message.authorEndUserIdentity?.idOnExternalPlatform;
        const threadExternalId = message.threadIdOnExternalPlatform ?? data.case?.threadIdOnExternalPlatform;
        if (typeof from !== 'string' || typeof threadExternalId !== 'string' || typeof message.id !== 'string') {
          return 'ignored: no author or thread';
        }
        return this.inbound.customerMessage({
          accountId: event.accountId,
          cxoneChannelId,
          threadExternalId,
          contactNumber: message.contactNumber ?? data.case?.id ?? null,
          cxoneThreadId: message.threadId ?? data.case?.threadId ?? null,
          from,
          cxoneMessageId: message.id,
          idOnExternalPlatform: message.idOnExternalPlatform ?? null,
          content: message.messageContent ?? { type: 'TEXT', payload: { text: '' } },
          createdAt: dateOr(message.createdAtWithMilliseconds ?? message.createdAt, this.clock.now()),
          via: 'webhook',
        });
      }
      case 'CaseStatusChanged':
        return this.caseStatusChanged(event.accountId, cxoneChannelId, data);
      default:
        return `ignored: ${event.eventType}`;
    }
  }

  /** A contact resolved or closed in CXone ends its thread; a BYOC chat is locked and its widgets told. */
  private async caseStatusChanged(accountId: string, cxoneChannelId: string, data: EventData): Promise<string> {
    const status = data.case?.status;
    const threadExternalId = data.case?.threadIdOnExternalPlatform;
    if (typeof status !== 'string' || !ENDED.has(status) || typeof threadExternalId !== 'string') {
      return 'ignored: not an end';
    }
    const channel = await this.channels.inboundChannel(accountId, cxoneChannelId);
    if (!channel) return 'unknown-channel';
    const thread = await this.threads.findByExternalId(channel.id, threadExternalId);
    if (!thread || thread.status === 'CLOSED') return 'nothing to close';
    // a newer contact on the thread (the customer wrote again after an end) is not ended by the old one's
    if (thread.cxoneContactId && data.case?.id && thread.cxoneContactId !== data.case.id) return 'an older contact';
    if (channel.kind === 'BYOC_CHAT') await this.conversations.closeConversation(thread.id, 'AGENT_ENDED', false);
    else await this.threads.close(thread.id, 'AGENT_ENDED');
    return 'closed';
  }
}

interface EventData {
  channel?: { id?: unknown };
  case?: {
    id?: string;
    threadId?: string;
    threadIdOnExternalPlatform?: string;
    status?: string;
  };
  message?: {
    id?: unknown;
    idOnExternalPlatform?: string | null;
    threadId?: string;
    threadIdOnExternalPlatform?: string;
    direction?: string;
    contactNumber?: string;
    createdAt?: string;
    createdAtWithMilliseconds?: string;
    messageContent?: DfoMessageContent;
    authorEndUserIdentity?: { idOnExternalPlatform?: unknown } | null;
  };
}

function dateOr(iso: string | undefined, fallbackMs: number): Date {
  const at = iso ? new Date(iso) : new Date(NaN);
  return Number.isNaN(at.getTime()) ? new Date(fallbackMs) : at;
}

/** The envelope's own fields, checked: `{eventId, eventType, data}`. */
function readEnvelope(body: unknown): { eventId: string; eventType: string } {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  const problems: Array<{ field: string; problems: string[] }> = [];
  if (!b) throw new ValidationFailedError('the body must be a CXone event envelope {eventId, eventType, data}');
  if (typeof b.eventId !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(b.eventId)) {
    problems.push({ field: 'eventId', problems: ['must be a string of 1-200 visible ASCII characters'] });
  }
  if (typeof b.eventType !== 'string' || !/^[A-Za-z]{1,100}$/.test(b.eventType)) {
    problems.push({ field: 'eventType', problems: ['must be an event type name such as MessageCreated'] });
  }
  if (!b.data || typeof b.data !== 'object' || Array.isArray(b.data)) {
    problems.push({ field: 'data', problems: ['must be an object'] });
  }
  if (problems.length > 0) {
    throw new ValidationFailedError(problems.map((p) => `${p.field} ${p.problems.join(', ')}`).join('; '), problems);
  }
  return { eventId: b.eventId as string, eventType: b.eventType as string };
}
