import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/**
 * A rate limiter shared by every process through Redis, with a hard guarantee: no more than `limit` acquisitions
 * start in any sliding window of `windowMs` (not merely per calendar second, which lets 2×limit through around a
 * boundary, as BullMQ's fixed-window limiter does).
 *
 * How: each acquisition reserves a start time ("slot") in a Redis sorted set, inside one Lua script, on Redis's
 * clock. A new slot is the earliest time that is (a) not in the past, (b) at least `spacingMs` after the previous
 * slot, and (c) at least `windowMs + marginMs` after the limit-th most recent slot. (c) is the sliding-window bound;
 * (b) spreads the budget evenly (default windowMs/limit), so a backlog drains as a steady stream instead of bursts.
 * The caller then sleeps until its slot. Because slots are reserved rather than polled, waiting callers cost nothing
 * and are served first come, first served. `marginMs` absorbs the jitter between the slot and the moment the request
 * actually leaves (timers, event-loop lag, network), so the receiver also sees at most `limit` per window.
 *
 * `block()` pushes every future slot past a time, for a 429 with Retry-After.
 */

// KEYS[1] slot log (zset, score = slot start in µs, Redis clock), KEYS[2] "blocked until" (µs)
// ARGV: limit, window µs (incl. margin), spacing µs, max wait µs, member id
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local spacing = tonumber(ARGV[3])
local maxWait = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local slot = now
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > slot then slot = blocked end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] ~= nil and tonumber(last[2]) + spacing > slot then slot = tonumber(last[2]) + spacing end
if redis.call('ZCARD', KEYS[1]) >= limit then
  local nth = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
  if tonumber(nth[2]) + window > slot then slot = tonumber(nth[2]) + window end
end
local wait = slot - now
if wait > maxWait then return {0, wait, slot} end
redis.call('ZADD', KEYS[1], slot, ARGV[5])
redis.call('PEXPIRE', KEYS[1], math.floor((wait + window) / 1000) + 1000)
return {1, wait, slot}
`;

// KEYS[1] "blocked until"; ARGV[1] block duration µs. Only ever extends the block.
const BLOCK_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untilUs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilUs > current then
  redis.call('SET', KEYS[1], string.format('%.0f', untilUs), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000)
  return 1
end
return 0
`;

export interface RateLimitPolicy {
  /** At most this many acquisitions in any window. */
  limit: number;
  /** Window length, default 1000 ms. */
  windowMs?: number;
  /** Minimum gap between consecutive acquisitions, default windowMs / limit (an even stream). 0 allows bursts. */
  spacingMs?: number;
  /** Extra separation added to the window bound to absorb send-time jitter, default 10 ms. */
  marginMs?: number;
}

export interface AcquireOptions {
  /** Give up (RateLimitWaitTooLongError) instead of reserving a slot further away than this; default 30 s. */
  maxWaitMs?: number;
  signal?: AbortSignal;
}

export interface Slot {
  /** How long the caller waited (acquire) or must wait (reserve) for its slot, ms. */
  waitMs: number;
  /** When the slot starts, ms since the epoch on Redis's clock (what the sliding-window bound is kept on). */
  startsAtMs: number;
}

export class RateLimitWaitTooLongError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limit: next slot is ${retryAfterMs} ms away`);
    this.name = 'RateLimitWaitTooLongError';
  }
}

export class RedisRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand('threadlineReserveSlot', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    redis.defineCommand('threadlineBlockSlots', { numberOfKeys: 1, lua: BLOCK_SCRIPT });
  }

  /**
   * Reserves the next slot for `key` and waits until it starts.
   * Throws RateLimitWaitTooLongError when the slot would be more than maxWaitMs away (nothing is reserved then).
   */
  async acquire(key: string, policy: RateLimitPolicy, options: AcquireOptions = {}): Promise<Slot> {
    const slot = await this.reserve(key, policy, options.maxWaitMs ?? 30_000);
    if (slot.waitMs > 0) await sleep(slot.waitMs, undefined, options.signal ? { signal: options.signal } : undefined);
    return slot;
  }

  /** Reserves a slot without waiting for it. */
  async reserve(key: string, policy: RateLimitPolicy, maxWaitMs: number): Promise<Slot> {
    const limit = Math.floor(policy.limit);
    if (!(limit >= 1)) throw new RangeError(`rate limit must be at least 1 (got ${policy.limit})`);
    const windowMs = policy.windowMs ?? 1000;
    const spacingMs = policy.spacingMs ?? windowMs / limit;
    const marginMs = policy.marginMs ?? 10;
    const [granted, waitUs, slotUs] = (await (this.redis as unknown as ReserveCommand).threadlineReserveSlot(
      this.slotsKey(key),
      this.blockKey(key),
      limit,
      Math.round((windowMs + marginMs) * 1000),
      Math.round(spacingMs * 1000),
      Math.round(maxWaitMs * 1000),
      randomUUID(),
    )) as [number, number, number];
    const waitMs = Math.max(0, waitUs / 1000);
    if (granted !== 1) throw new RateLimitWaitTooLongError(Math.ceil(waitMs));
    return { waitMs, startsAtMs: slotUs / 1000 };
  }

  /** No slot for `key` starts within the next `ms` (e.g. CXone answered 429 with Retry-After). */
  async block(key: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    await (this.redis as unknown as BlockCommand).threadlineBlockSlots(this.blockKey(key), Math.round(ms * 1000));
  }

  /** How long (ms) `key` stays blocked by block(), 0 when it is not. */
  async blockedForMs(key: string): Promise<number> {
    const [untilUs, [seconds, micros]] = await Promise.all([this.redis.get(this.blockKey(key)), this.redis.time()]);
    if (!untilUs) return 0;
    const nowUs = Number(seconds) * 1e6 + Number(micros);
    return Math.max(0, (Number(untilUs) - nowUs) / 1000);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.slotsKey(key), this.blockKey(key));
  }

  private slotsKey(key: string): string {
    return `${this.keyPrefix}:ratelimit:${key}:slots`;
  }

  private blockKey(key: string): string {
    return `${this.keyPrefix}:ratelimit:${key}:blocked`;
  }
}

interface ReserveCommand {
  threadlineReserveSlot(...args: Array<string | number>): Promise<unknown>;
}
interface BlockCommand {
  threadlineBlockSlots(...args: Array<string | number>): Promise<unknown>;
}
