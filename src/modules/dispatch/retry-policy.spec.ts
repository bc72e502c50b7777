import type { AppConfig } from '@/config';
import { CxoneRateLimitedError, CxoneRejectedError, CxoneUnavailableError } from '@/integrations/cxone/cxone.errors';
import { RetryPolicy } from './retry-policy';

const config = (overrides: Partial<AppConfig['dispatch']> = {}): Pick<AppConfig, 'dispatch'> =>
  ({ dispatch: { maxAttempts: 8, maxRateLimited: 20, retryBaseMs: 1000, ...overrides } }) as Pick<
    AppConfig,
    'dispatch'
  >;

describe('RetryPolicy', () => {
  it('waits between half and all of a ceiling that doubles per attempt', () => {
    const low = new RetryPolicy(config(), () => 0);
    const high = new RetryPolicy(config(), () => 0.999);
    expect([1, 2, 3].map((a) => [low.backoffMs(a), high.backoffMs(a)])).toEqual([
      [500, 999],
      [1000, 1999],
      [2000, 3998],
    ]);
  });

  it('caps the ceiling at a minute', () => {
    expect(new RetryPolicy(config(), () => 0.999).backoffMs(20)).toBe(59970);
    expect(new RetryPolicy(config(), () => 0).backoffMs(20)).toBe(30000);
  });

  it('scales with the configured base', () => {
    expect(new RetryPolicy(config({ retryBaseMs: 200 }), () => 0).backoffMs(1)).toBe(100);
  });

  it('never retries sooner than a Retry-After sent with a 5xx', () => {
    const err = new CxoneUnavailableError('outbound', 'server', 503, false, 'HTTP 503', 7000);
    expect(new RetryPolicy(config(), () => 0.5).backoffMs(1, err)).toBe(7000);
  });

  it('pauses the account for Retry-After plus up to 250 ms of jitter on 429', () => {
    const err = new CxoneRateLimitedError('outbound', 2000);
    expect(new RetryPolicy(config(), () => 0).rateLimitPauseMs(err, 0)).toBe(2000);
    expect(new RetryPolicy(config(), () => 0.999).rateLimitPauseMs(err, 0)).toBe(2249);
  });

  it('without Retry-After, pauses 1 s, 2 s, 4 s … up to 30 s as one recipient keeps getting 429s', () => {
    const err = new CxoneRateLimitedError('outbound', undefined);
    const policy = new RetryPolicy(config(), () => 0);
    expect([0, 1, 2, 4, 5, 9].map((n) => policy.rateLimitPauseMs(err, n))).toEqual([
      1000, 2000, 4000, 16000, 30000, 30000,
    ]);
  });

  it('fails after the configured attempts and 429s', () => {
    const policy = new RetryPolicy(config({ maxAttempts: 3, maxRateLimited: 2 }));
    expect([1, 2, 3].map((a) => policy.isLastAttempt(a))).toEqual([false, false, true]);
    expect([2, 3].map((n) => policy.rateLimitExhausted(n))).toEqual([false, true]);
  });

  it('classifies CXone errors by type', () => {
    const policy = new RetryPolicy(config());
    expect(policy.classify(new CxoneRateLimitedError('outbound', 1000))).toBe('rate_limited');
    expect(policy.classify(new CxoneRejectedError('outbound', 400, [{ message: 'bad' }]))).toBe('rejected');
    const optedOut = (errors: Array<{ message: string; errorCode?: string }>) =>
      policy.classify(new CxoneRejectedError('outbound', 422, errors));
    expect([
      optedOut([{ message: 'refused', errorCode: 'RecipientOptedOut' }]),
      optedOut([{ message: 'refused', errorCode: 'unsubscribed' }]),
      optedOut([{ message: 'The recipient opted out of messages on this channel (STOP)' }]),
      optedOut([{ message: 'Recipient is opted-out' }]),
      optedOut([{ message: 'recipients[0] must be E.164', errorCode: 'invalidRecipient' }]),
    ]).toEqual(['opted_out', 'opted_out', 'opted_out', 'opted_out', 'rejected']);
    expect(policy.classify(new CxoneUnavailableError('outbound', 'timeout', undefined, true, 'timeout'))).toBe(
      'transient',
    );
    expect(policy.classify(new Error('connection reset'))).toBe('transient');
  });
});
