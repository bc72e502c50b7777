import { Injectable } from '@nestjs/common';
import type { ProactiveContent } from '@/integrations/cxone/content';
import { CxoneClient, SentMessage } from '@/integrations/cxone/cxone.client';
import { CxoneRateLimitedError } from '@/integrations/cxone/cxone.errors';
import { AccountRateLimiter, isShutdownAbort, isSlotWaitTooLong } from './account-limiter';
import { messageExternalId, threadExternalId } from './external-ids';
import { Claimed, JobTiming, RecipientLedger } from './recipient-ledger';
import { contentFor, customFieldsFor, fallbackFor } from './recipient-content';
import { RetryPolicy } from './retry-policy';
import { QuietHours } from '@/modules/campaigns/quiet-hours';
import { GateQuestion, GateVerdict, QuietWait, SendGate } from './send-gate';
import { SendTarget, SendTargets } from './send-targets';

/** How one recipient ended up (for logs and job results). */
export type SendOutcome = 'sent' | 'obsolete' | 'paused' | 'cancelled' | 'skipped_opted_out' | 'skipped_window';

/** The campaign's quiet hours as they apply to a send: none when not set, or when the campaign ignores them. */
function quietHoursOf(ctx: Claimed): QuietHours | null {
  if (ctx.ignoreQuietHours || ctx.quietStartMinute === null || ctx.quietEndMinute === null) return null;
  return { startMinute: ctx.quietStartMinute, endMinute: ctx.quietEndMinute };
}

/** What the job should do next; the processor turns it into BullMQ's terms. */
export type SendResult =
  /** Finished for this job (sent, skipped, released, or nothing to do). */
  | { kind: 'done'; outcome: SendOutcome }
  /** A transient failure: run again after `delayMs`, ahead of recipients not tried yet. */
  | { kind: 'retry'; delayMs: number; error: string }
  /** No rate slot soon (the account is saturated or paused): run again after `delayMs`, free of charge. */
  | { kind: 'later'; delayMs: number }
  /** In the recipient's quiet hours: run again when they end, `delayMs` from now, free of charge. */
  | { kind: 'deferred'; delayMs: number }
  /** 429: back to the queue while the account pauses; no attempt spent. */
  | { kind: 'rate_limited' }
  /** Failed for good (recorded as FAILED with the reason). */
  | { kind: 'failed'; error: string };

export interface SendJob {
  recipientId: string;
  generation: number;
}

/**
 * Sends one recipient, in named steps: claim the row → acquire a slot of the account's shared rate limit, running the
 * gate (campaign still running, customer not opted out, not in their quiet hours, WhatsApp window) just before every
 * start → call DFO outbound with the recipient's stable thread and message ids and the routing custom fields → record
 * the outcome. A recipient in its local quiet hours waits (QUEUED, its due time stored) for them to end; that is also
 * checked before waiting for a slot, so a night's worth of deferred recipients never holds the account's rate.
 *
 * Failures (RetryPolicy): 429 pauses the whole account (every process) for Retry-After plus jitter and puts the job
 * back without spending an attempt, up to DISPATCH_MAX_RATE_LIMITED times; 5xx, timeouts and lost answers wait for a
 * backoff (the row QUEUED meanwhile) and go out ahead of recipients not yet tried, FAILED (TRANSIENT) after the last
 * attempt; other 4xx fail at once with CXone's errors (REJECTED); refused credentials fail as AUTH.
 */
@Injectable()
export class SenderService {
  constructor(
    private readonly ledger: RecipientLedger,
    private readonly targets: SendTargets,
    private readonly gate: SendGate,
    private readonly limiter: AccountRateLimiter,
    private readonly cxone: CxoneClient,
    private readonly policy: RetryPolicy,
  ) {}

  async send(job: SendJob, timing: JobTiming): Promise<SendResult> {
    const ctx = await this.ledger.claim(job.recipientId, job.generation);
    if (!ctx) return { kind: 'done', outcome: 'obsolete' };
    const target = await this.targets.of(ctx.channelId);
    this.ledger.observeQueueWait(target, timing);
    const primary = contentFor(ctx.content, ctx.parameters);
    const question: GateQuestion = {
      campaignId: ctx.campaignId,
      channelId: ctx.channelId,
      channelKind: target.channel.kind,
      address: ctx.address,
      contentType: primary.type,
      quietHours: quietHoursOf(ctx),
      timeZone: ctx.timeZone,
      consent: ctx.consent,
    };
    const quiet = this.gate.quietWait(question);
    if (quiet) return this.defer(ctx, target, quiet);
    const stopTimer = this.ledger.startTimer(target);
    try {
      const { verdict, content } = await this.acquireSlot(ctx, target, question, primary);
      if (verdict !== 'send') return await this.notSent(ctx, target, verdict, question);
      let sent: SentMessage;
      try {
        sent = await this.callCxone(ctx, target, content);
      } catch (err) {
        return await this.failure(err, ctx, target);
      }
      await this.ledger.sent(ctx, target, sent, content);
      return { kind: 'done', outcome: 'sent' };
    } catch (err) {
      // No slot soon, or shutting down (another worker takes the job): the row waits for the job's next run.
      if (isSlotWaitTooLong(err) || isShutdownAbort(err)) {
        await this.ledger.notNow(ctx);
        return { kind: 'later', delayMs: isSlotWaitTooLong(err) ? err.retryAfterMs : 0 };
      }
      // Our own dependencies failed (PostgreSQL, Redis), not CXone: the job is retried as it is, no attempt spent.
      throw err;
    } finally {
      stopTimer();
    }
  }

  /**
   * Waits for the account's rate slot; the gate runs just before each start, and its last answer is returned with the
   * content to send: the campaign's, or its fallback template when WhatsApp free text would fall outside the window.
   */
  private async acquireSlot(
    ctx: Claimed,
    target: SendTarget,
    question: GateQuestion,
    primary: ProactiveContent,
  ): Promise<{ verdict: GateVerdict; content: ProactiveContent }> {
    let answer: { verdict: GateVerdict; content: ProactiveContent } = { verdict: 'send', content: primary };
    await this.limiter.acquire(target.account, async () => {
      const verdict = await this.gate.check(question);
      const fallback = verdict === 'outside_window' ? fallbackFor(ctx.fallbackTemplate, ctx.parameters) : null;
      answer = fallback ? { verdict: 'send', content: fallback } : { verdict, content: primary };
      return answer.verdict === 'send';
    });
    return answer;
  }

  /** In its quiet hours: the row waits for them to end (its job delayed as long), no attempt counted. */
  private async defer(ctx: Claimed, target: SendTarget, wait: QuietWait): Promise<SendResult> {
    await this.ledger.deferred(ctx, target, wait.until);
    return { kind: 'deferred', delayMs: wait.delayMs };
  }

  private callCxone(ctx: Claimed, target: SendTarget, content: ProactiveContent): Promise<SentMessage> {
    return this.cxone.sendOutbound(target.account, target.channel.cxoneChannelId, {
      content,
      to: ctx.address,
      ...(ctx.name ? { recipientName: ctx.name } : {}),
      threadExternalId: threadExternalId(ctx.recipientId),
      messageExternalId: messageExternalId(ctx.recipientId),
      customFields: customFieldsFor(ctx.campaignCustomFields, ctx.customFields),
    });
  }

  private async notSent(
    ctx: Claimed,
    target: SendTarget,
    verdict: Exclude<GateVerdict, 'send'>,
    question: GateQuestion,
  ): Promise<SendResult> {
    switch (verdict) {
      case 'quiet_hours':
        // (its quiet hours ended in the instant since the gate's answer: run again at once)
        return this.defer(ctx, target, this.gate.quietWait(question) ?? { until: new Date(), delayMs: 0 });
      case 'paused':
      case 'cancelled':
        await this.ledger.stopped(ctx, verdict);
        return { kind: 'done', outcome: verdict };
      case 'opted_out':
        await this.ledger.skipped(ctx, target, 'SKIPPED_OPTED_OUT', 'the customer opted out');
        return { kind: 'done', outcome: 'skipped_opted_out' };
      case 'outside_window':
        await this.ledger.skipped(
          ctx,
          target,
          'SKIPPED_WINDOW',
          'WhatsApp free text outside the 24-hour window: send a template',
        );
        return { kind: 'done', outcome: 'skipped_window' };
    }
  }

  private async failure(err: unknown, ctx: Claimed, target: SendTarget): Promise<SendResult> {
    const error = err instanceof Error ? err.message : String(err);
    const kind = this.policy.classify(err);
    switch (kind) {
      case 'rate_limited': {
        await this.limiter.pause(
          target.account.id,
          this.policy.rateLimitPauseMs(err as CxoneRateLimitedError, ctx.rateLimitedCount),
        );
        const count = await this.ledger.rateLimited(ctx, target, error);
        if (!this.policy.rateLimitExhausted(count)) return { kind: 'rate_limited' };
        await this.ledger.failed(ctx, target, 'RATE_LIMITED', `rate-limited ${count} times; last: ${error}`);
        return { kind: 'failed', error };
      }
      case 'opted_out':
        // CXone's own opt-out (e.g. a native SMS STOP): the ledger learns it, so no campaign tries this number again
        await this.ledger.optedOutAtCxone(ctx, target, error);
        return { kind: 'done', outcome: 'skipped_opted_out' };
      case 'rejected':
        await this.ledger.failed(ctx, target, 'REJECTED', error);
        return { kind: 'failed', error };
      case 'auth':
        await this.ledger.failed(ctx, target, 'AUTH', error);
        return { kind: 'failed', error };
      case 'transient':
        if (this.policy.isLastAttempt(ctx.attempt)) {
          await this.ledger.failed(ctx, target, 'TRANSIENT', error);
          return { kind: 'failed', error };
        }
        await this.ledger.retryLater(ctx, target, error);
        return { kind: 'retry', delayMs: this.policy.backoffMs(ctx.attempt, err), error };
    }
  }
}
