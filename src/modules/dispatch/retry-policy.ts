import { AppConfig } from '@/config';
import {
  CxoneAuthError,
  CxoneRateLimitedError,
  CxoneRejectedError,
  CxoneUnavailableError,
} from '@/integrations/cxone/cxone.errors';

/** What a failed send means for the recipient. */
export type FailureKind = 'rate_limited' | 'opted_out' | 'rejected' | 'auth' | 'transient';

/**
 * How CXone says a recipient opted out there (a native SMS STOP) when it refuses a send. No public source confirms
 * the exact code (cxone-api.md §6): these error codes, or these words in the message, count.
 */
const OPT_OUT_ERROR_CODES: ReadonlySet<string> = new Set(
  ['RecipientOptedOut', 'OptedOut', 'RecipientUnsubscribed', 'Unsubscribed', 'EndUserOptedOut'].map((c) =>
    c.toLowerCase(),
  ),
);
const OPT_OUT_WORDS = /\bopted[\s_-]?out\b|\bunsubscribed\b/i;

/** Whether CXone refused the send because the recipient opted out of messages on the channel. */
export function isOptOutRefusal(err: CxoneRejectedError): boolean {
  return err.errors.some(
    (e) => OPT_OUT_ERROR_CODES.has((e.errorCode ?? '').toLowerCase()) || OPT_OUT_WORDS.test(e.message),
  );
}

const BACKOFF_MAX_MS = 60_000;
const RATE_LIMIT_DEFAULT_MAX_MS = 30_000;
const RATE_LIMIT_JITTER_MS = 250;

/**
 * When a failed send is tried again, in one place:
 * - 5xx, timeouts, lost answers: capped exponential backoff with equal jitter (half the ceiling plus a random part, so a
 *   retry never comes back at once, and retries of one burst spread out), never sooner than a Retry-After sent with the
 *   5xx; FAILED after the last attempt.
 * - 429: the account pauses for Retry-After (or, without one, an exponential delay per recipient up to 30 s) plus a
 *   little jitter, so replicas do not all restart on the same millisecond; it costs no attempt, but FAILED after too
 *   many 429s for one recipient.
 *
 * Provided by DispatchModule from the configuration; tests construct it with their own random source.
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  readonly maxRateLimited: number;
  private readonly baseMs: number;

  constructor(
    config: Pick<AppConfig, 'dispatch'>,
    private readonly random: () => number = Math.random,
  ) {
    this.maxAttempts = config.dispatch.maxAttempts;
    this.maxRateLimited = config.dispatch.maxRateLimited;
    this.baseMs = config.dispatch.retryBaseMs;
  }

  classify(err: unknown): FailureKind {
    if (err instanceof CxoneRateLimitedError) return 'rate_limited';
    if (err instanceof CxoneRejectedError) return isOptOutRefusal(err) ? 'opted_out' : 'rejected';
    if (err instanceof CxoneAuthError) return 'auth';
    return 'transient';
  }

  /** Delay before attempt `attempt + 1` after a transient failure of attempt `attempt` (1-based). */
  backoffMs(attempt: number, err?: unknown): number {
    const ceiling = Math.min(BACKOFF_MAX_MS, this.baseMs * 2 ** Math.max(0, attempt - 1));
    const delay = Math.floor(ceiling / 2 + this.random() * (ceiling / 2));
    const retryAfter = err instanceof CxoneUnavailableError ? (err.retryAfterMs ?? 0) : 0;
    return Math.max(delay, retryAfter);
  }

  /** Whether `attempt` (1-based) was the last one a transient failure gets. */
  isLastAttempt(attempt: number): boolean {
    return attempt >= this.maxAttempts;
  }

  /** How long the whole account pauses after a 429, given the recipient's 429 count before this one. */
  rateLimitPauseMs(err: CxoneRateLimitedError, rateLimitedBefore: number): number {
    const base = err.retryAfterMs ?? Math.min(RATE_LIMIT_DEFAULT_MAX_MS, 1000 * 2 ** Math.min(rateLimitedBefore, 5));
    return base + Math.floor(this.random() * RATE_LIMIT_JITTER_MS);
  }

  /** Whether a recipient refused this many times (429) should fail instead of waiting again. */
  rateLimitExhausted(count: number): boolean {
    return count > this.maxRateLimited;
  }
}
