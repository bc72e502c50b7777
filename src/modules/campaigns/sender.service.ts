import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, RateLimitError, UnrecoverableError } from 'bullmq';
import { AppConfig } from '@/config';
import { RateLimitWaitTooLongError, RedisRateLimiter } from '@/infra/rate-limit/rate-limiter';
import { dispatchQueueName, JobName } from '@/infra/queue/queue.constants';
import type { JobOf } from '@/infra/queue/job-handler.decorator';
import { QueueService } from '@/infra/queue/queue.service';
import { CxoneClient } from '@/integrations/cxone/cxone.client';
import { CxoneAuthError, CxoneRateLimitedError, CxoneRejectedError } from '@/integrations/cxone/cxone.errors';
import { AccountsService } from '@/modules/accounts/accounts.service';
import { ChannelsService } from '@/modules/channels/channels.service';
import { WHATSAPP_WINDOW_MS } from '@/modules/contacts/contacts.service';
import { contentFor, customFieldsFor } from './campaign-content';
import { Attempt, CampaignsRepository, SendContext, SendGate } from './campaigns.repository';
import { CompletionChecker } from './completion-checker';
import type { FailureReason } from './campaign.state';
import { DispatchMetrics } from './dispatch.metrics';
import { messageExternalId, threadExternalId } from './external-ids';
import { ProgressService } from './progress.service';

export type SendOutcome = 'sent' | 'obsolete' | 'skipped_opted_out' | 'skipped_window' | 'failed';

/** How long a send waits for a rate slot before it hands its place back (as a delayed job) instead of holding a worker. */
const MAX_SLOT_WAIT_MS = 10_000;
/** How far ahead of its rate slot a send re-checks its campaign and the customer's consent. */
const GATE_LEAD_MS = 20;

export function rateLimitKey(accountId: string): string {
  return `cxone:${accountId}:outbound`;
}

/**
 * Sends one recipient (a job on the account's dispatch queue):
 * claim the row → re-check consent and the WhatsApp window → wait for a slot of the account's shared rate limit →
 * DFO outbound with the recipient's stable thread and message ids and the routing custom fields → record SENT with
 * CXone's ids, the contact, the proactive thread and its first message.
 *
 * Failures: 429 pauses the whole account (every process, via the shared limiter, and BullMQ's queue) for Retry-After
 * plus jitter and puts the job back without spending an attempt, up to DISPATCH_MAX_RATE_LIMITED times; 5xx,
 * timeouts and lost answers are retried with capped exponential backoff and full jitter, then FAILED (TRANSIENT);
 * other 4xx fail at once with CXone's errors (REJECTED); refused credentials fail as AUTH (retryable once fixed).
 */
@Injectable()
export class SenderService {
  private readonly logger = new Logger(SenderService.name);

  constructor(
    private readonly repository: CampaignsRepository,
    private readonly channels: ChannelsService,
    private readonly accounts: AccountsService,
    private readonly cxone: CxoneClient,
    private readonly limiter: RedisRateLimiter,
    private readonly queues: QueueService,
    private readonly progress: ProgressService,
    private readonly completion: CompletionChecker,
    private readonly metrics: DispatchMetrics,
    private readonly config: AppConfig,
  ) {}

  async send(job: JobOf<JobName.SendToRecipient>, token?: string): Promise<SendOutcome> {
    const { recipientId, generation } = job.data;
    const claimed = await this.repository.claim(recipientId, generation);
    if (!claimed) return 'obsolete'; // paused, cancelled, finished, or superseded by a newer generation
    const ctx = { ...claimed, attempt: job.attemptsMade + 1 };
    const channel = await this.channels.cachedInfo(ctx.channelId);
    const account = await this.accounts.resolve(channel.accountId);
    const labels = { account: account.id };
    if (job.attemptsStarted <= 1) this.metrics.queueWait.observe(labels, (Date.now() - job.timestamp) / 1000);

    const content = contentFor(ctx.content, ctx.parameters);
    const stopTimer = this.metrics.sendLatency.startTimer(labels);
    let gate: SendGate = { campaignStatus: 'RUNNING', optedOut: false, lastInboundAt: null };
    try {
      await this.limiter.acquire(
        rateLimitKey(account.id),
        { limit: account.settings.rateLimitPerSecond, marginMs: this.config.dispatch.rateLimitMarginMs },
        {
          maxWaitMs: MAX_SLOT_WAIT_MS,
          // Checked just ahead of the slot (the wait can be long), without delaying the send itself: a campaign paused
          // or cancelled meanwhile sends nothing more, and nobody who opted out meanwhile is messaged.
          beforeStart: {
            leadMs: GATE_LEAD_MS,
            run: async () => {
              gate = await this.repository.sendGate(ctx);
            },
          },
        },
      );
    } catch (err) {
      stopTimer();
      if (!(err instanceof RateLimitWaitTooLongError)) throw err;
      // The account is saturated or paused for longer: give the worker slot back and come back later, free of charge.
      await job.moveToDelayed(Date.now() + err.retryAfterMs, token);
      throw new DelayedError();
    }
    if (gate.campaignStatus !== 'RUNNING') {
      stopTimer();
      await this.repository.release(ctx, gate.campaignStatus === 'PAUSED' ? 'PENDING' : 'CANCELLED');
      if (gate.campaignStatus !== 'PAUSED') this.completion.check(ctx.campaignId);
      return 'obsolete';
    }
    if (gate.optedOut) {
      stopTimer();
      return this.skip(ctx, account.id, 'SKIPPED_OPTED_OUT', 'the customer opted out');
    }
    if (channel.kind === 'WHATSAPP' && content.type === 'TEXT') {
      const open = gate.lastInboundAt && Date.now() - gate.lastInboundAt.getTime() < WHATSAPP_WINDOW_MS;
      if (!open) {
        stopTimer();
        return this.skip(
          ctx,
          account.id,
          'SKIPPED_WINDOW',
          'WhatsApp free text outside the 24-hour window: send a template',
        );
      }
    }

    try {
      const sent = await this.cxone.sendOutbound(account, channel.cxoneChannelId, {
        content,
        to: ctx.address,
        ...(ctx.name ? { recipientName: ctx.name } : {}),
        threadExternalId: threadExternalId(ctx.recipientId),
        messageExternalId: messageExternalId(ctx.recipientId),
        customFields: customFieldsFor(ctx.campaignCustomFields, ctx.customFields),
      });
      stopTimer();
      const recorded = await this.repository.markSent(
        ctx,
        {
          contactId: sent.contactId,
          threadId: sent.threadId,
          messageId: sent.messageId,
          threadExternalId: sent.threadExternalId,
          messageExternalId: messageExternalId(ctx.recipientId),
        },
        content,
      );
      if (recorded) {
        this.metrics.outcomes.inc({ ...labels, outcome: 'sent' });
        await this.progress.countSent(ctx.campaignId);
        this.completion.check(ctx.campaignId);
      }
      return 'sent';
    } catch (err) {
      stopTimer();
      return this.handleFailure(err, job, ctx, account.id);
    }
  }

  private async handleFailure(
    err: unknown,
    job: JobOf<JobName.SendToRecipient>,
    ctx: SendContext & Attempt,
    accountId: string,
  ): Promise<never> {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof CxoneRateLimitedError) {
      this.metrics.rateLimited.inc({ account: accountId });
      const delayMs =
        (err.retryAfterMs ?? Math.min(30_000, 1000 * 2 ** Math.min(ctx.rateLimitedCount, 5))) +
        Math.floor(Math.random() * 250);
      await this.limiter.block(rateLimitKey(accountId), delayMs);
      await this.queues.dynamicQueue(dispatchQueueName(accountId)).rateLimit(delayMs);
      const count = await this.repository.noteRateLimited(ctx, message);
      if (count > this.config.dispatch.maxRateLimited) {
        await this.fail(ctx, accountId, 'RATE_LIMITED', `rate-limited ${count} times; last: ${message}`);
        throw new UnrecoverableError(message);
      }
      this.logger.warn({ recipientId: ctx.recipientId, delayMs }, 'CXone answered 429: pausing the account');
      throw new RateLimitError();
    }
    if (err instanceof CxoneRejectedError) {
      await this.fail(ctx, accountId, 'REJECTED', message);
      throw new UnrecoverableError(message);
    }
    if (err instanceof CxoneAuthError) {
      await this.fail(ctx, accountId, 'AUTH', message);
      throw new UnrecoverableError(message);
    }
    // 5xx, timeouts, lost answers and anything unexpected: retried with backoff by BullMQ, FAILED after the last try.
    this.metrics.failures.inc({ account: accountId, reason: 'TRANSIENT' });
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (lastAttempt) {
      await this.fail(ctx, accountId, 'TRANSIENT', message);
    } else {
      await this.repository.noteTransientError(ctx, message);
    }
    throw err instanceof Error ? err : new Error(message);
  }

  private async fail(
    ctx: SendContext & Attempt,
    accountId: string,
    reason: FailureReason,
    message: string,
  ): Promise<void> {
    this.metrics.failures.inc({ account: accountId, reason });
    if (await this.repository.finish(ctx, 'FAILED', reason, message)) {
      this.metrics.outcomes.inc({ account: accountId, outcome: 'failed' });
      this.completion.check(ctx.campaignId);
    }
  }

  private async skip(
    ctx: SendContext & Attempt,
    accountId: string,
    status: 'SKIPPED_OPTED_OUT' | 'SKIPPED_WINDOW',
    why: string,
  ): Promise<SendOutcome> {
    if (await this.repository.finish(ctx, status, null, why)) {
      this.metrics.outcomes.inc({ account: accountId, outcome: status.toLowerCase() });
      this.completion.check(ctx.campaignId);
    }
    return status === 'SKIPPED_OPTED_OUT' ? 'skipped_opted_out' : 'skipped_window';
  }
}
