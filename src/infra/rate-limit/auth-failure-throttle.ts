import { Injectable, Logger } from '@nestjs/common';
import { isIPv6 } from 'node:net';
import type { Counter } from 'prom-client';
import { AppConfig } from '@/config';
import { TooManyRequestsError, UnauthenticatedError } from '@/infra/errors/domain-error';
import { MetricsService } from '@/infra/metrics/metrics.service';
import { RedisService } from '@/infra/redis/redis.service';

/** Redis gets this long to count a failure; a throttle that cannot answer in time lets the request through. */
const REDIS_DEADLINE_MS = 500;

export class AuthThrottledError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super(
      `too many failed authentication attempts from this address; retry in ${retryAfterSeconds} s`,
      retryAfterSeconds,
      { retryAfterSeconds },
    );
  }
}

type Outcome = 'rejected' | 'throttled' | 'unchecked';

/**
 * Throttles failed authentication per source address, across every replica: after AUTH_FAILURE_LIMIT failures in
 * a window of AUTH_FAILURE_WINDOW_SECONDS (fixed, from the first failure), further failures from that address are
 * answered 429 with Retry-After until the window ends.
 *
 * Only failures are counted and only failures are throttled: the credential is checked first, and a valid one is
 * served without asking Redis, so a throttled address (a shared NAT, an office behind one proxy) never locks out a
 * valid key. When Redis does not answer, failures are let through as plain 401s (fail open) and a warning is logged
 * once per outage: authentication must not depend on the throttle.
 *
 * The address is Fastify's `request.ip`: the peer, or the client from X-Forwarded-For when TRUST_PROXY is set.
 */
@Injectable()
export class AuthFailureThrottle {
  private readonly logger = new Logger(AuthFailureThrottle.name);
  private readonly failures: Counter<'outcome'>;
  private redisFailing = false;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.failures = metrics.counter({
      name: 'threadline_auth_failures_total',
      help: 'Failed authentications: rejected (401), throttled (429), unchecked (401 while Redis did not answer)',
      labelNames: ['outcome'],
    });
  }

  /**
   * Runs `authenticate` for a request from `address` and returns its result. An UnauthenticatedError it throws is
   * counted against the address and rethrown, or replaced by AuthThrottledError (429) once the address is over the
   * limit. Any other error passes through uncounted.
   */
  async check<T>(address: string, authenticate: () => Promise<T>): Promise<T> {
    try {
      return await authenticate();
    } catch (err) {
      if (!(err instanceof UnauthenticatedError)) throw err;
      const retryAfterSeconds = await this.recordFailure(address);
      if (retryAfterSeconds !== undefined) throw new AuthThrottledError(retryAfterSeconds);
      throw err;
    }
  }

  /** Counts one failed authentication; returns the seconds until the window ends when the address is over the limit. */
  async recordFailure(address: string): Promise<number | undefined> {
    const { failureLimit: limit, failureWindowSeconds: windowSeconds } = this.config.auth;
    if (limit === 0) return this.outcome('rejected');
    const unit = throttleAddress(address);
    let count: number;
    let ttlMs: number;
    try {
      [count, ttlMs] = await withDeadline(this.count(unit, windowSeconds * 1000), REDIS_DEADLINE_MS);
    } catch (err) {
      if (!this.redisFailing) {
        this.redisFailing = true;
        this.logger.warn(
          `failed authentications are not throttled while Redis does not answer (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      return this.outcome('unchecked');
    }
    if (this.redisFailing) {
      this.redisFailing = false;
      this.logger.log('Redis answers again: failed authentications are throttled again');
    }
    if (count <= limit) return this.outcome('rejected');
    if (count === limit + 1) {
      this.logger.warn(
        { address: unit, limit, windowSeconds },
        `more than ${limit} failed authentications from ${unit}: answering 429 until the window ends`,
      );
    }
    this.outcome('throttled');
    return Math.max(1, Math.ceil(ttlMs / 1000));
  }

  /** The address's failures in the current window, this one included, and the milliseconds the window has left. */
  private async count(unit: string, windowMs: number): Promise<[number, number]> {
    const key = this.redis.key('auth-failures', unit);
    // One transaction: the window starts with the first failure (NX) and is never extended by later ones.
    const results = await this.redis.client.multi().set(key, '0', 'PX', windowMs, 'NX').incr(key).pttl(key).exec();
    if (!results) throw new Error('the Redis transaction was aborted');
    for (const [err] of results) if (err) throw err;
    return [Number(results[1]?.[1]), Number(results[2]?.[1])];
  }

  private outcome(outcome: Outcome): undefined {
    this.failures.inc({ outcome });
    return undefined;
  }
}

/**
 * The unit failures are counted per: an IPv4 address (IPv4-mapped IPv6 included), or the /64 of an IPv6 address,
 * since one host usually holds a whole /64 and could otherwise pick a fresh address for every guess.
 */
export function throttleAddress(ip: string): string {
  const address = ip.split('%')[0] ?? ip; // a zone id (fe80::1%eth0) is not part of the address
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  // An embedded IPv4 address (the last 32 bits) stands for two groups.
  const groups = (part: string): string[] =>
    part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [];
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const all =
    tail === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined); // a failure after the deadline is not an unhandled rejection
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
