import { Logger } from '@nestjs/common';
import type { RedisClient } from '@/infra/redis/redis-options';
import { AppConfig } from '@/config';
import { RedisService } from '@/infra/redis/redis.service';
import { Clock } from '@/infra/time/clock';
import { DispatchMetrics } from './dispatch.metrics';

/** How the margin moves (RATE_LIMIT_MARGIN_* variables; documented where the configuration declares them). */
export type MarginSettings = AppConfig['dispatch']['rateLimitMargin'];

/** One account's learned margin, shared by every process (times are ms since the epoch). */
export interface MarginState {
  marginMs: number;
  /** When the margin last changed (0: never). */
  changedAtMs: number;
  /** When CXone last answered 429 (0: never). */
  rateLimitedAtMs: number;
  /** When the last burst of 429s began (0: never). */
  burstAtMs: number;
  /** 429s before this time belong to that burst. */
  holdUntilMs: number;
  /** The widest margin that drew a 429 within memoryMs of badAtMs (0: none). */
  badMs: number;
  badAtMs: number;
}

export interface MarginChange {
  fromMs: number;
  toMs: number;
}

export function initialMarginState(settings: MarginSettings): MarginState {
  return {
    marginMs: settings.floorMs,
    changedAtMs: 0,
    rateLimitedAtMs: 0,
    burstAtMs: 0,
    holdUntilMs: 0,
    badMs: 0,
    badAtMs: 0,
  };
}

/** The margin to use: the learned one within the configured floor and cap (which may have changed since). */
export function effectiveMarginMs(state: MarginState, settings: MarginSettings): number {
  return Math.min(settings.maxMs, Math.max(settings.floorMs, state.marginMs));
}

/**
 * CXone answered 429 at `nowMs` and the account pauses `pauseMs`. The 429s of one burst (sends already under way, and
 * those whose sliding second still holds starts from before the pause) count once: the burst is over once the pause
 * and one full window at the margin have passed. A burst that follows the previous one within repeatMs widens the
 * margin one step and remembers the old margin as too narrow. An isolated burst only pauses (and restarts the quiet
 * period): a margin too narrow for the network's jitter draws a 429 every second or two, while a rare one (a stall
 * of either side, a GC pause) is not cured by a wider margin, and a pause every repeatMs (10 s: 10% of the rate)
 * costs more than a step of margin (20 ms: 2%).
 */
export function widenOnRateLimited(
  state: MarginState,
  settings: MarginSettings,
  nowMs: number,
  pauseMs: number,
): { state: MarginState; change: MarginChange | null } {
  if (nowMs < state.holdUntilMs) return { state: { ...state, rateLimitedAtMs: nowMs }, change: null };
  const fromMs = effectiveMarginMs(state, settings);
  const repeated = state.burstAtMs > 0 && nowMs - state.burstAtMs <= settings.repeatMs;
  const toMs = repeated ? Math.min(settings.maxMs, fromMs + settings.widenStepMs) : fromMs;
  const next: MarginState = {
    ...state,
    rateLimitedAtMs: nowMs,
    burstAtMs: nowMs,
    holdUntilMs: nowMs + Math.max(0, pauseMs) + 1000 + toMs,
  };
  if (!repeated) return { state: next, change: null };
  next.badMs = fromMs;
  next.badAtMs = nowMs;
  if (toMs === fromMs) return { state: next, change: null };
  return { state: { ...next, marginMs: toMs, changedAtMs: nowMs }, change: { fromMs, toMs } };
}

/**
 * Narrows the margin one step when nothing happened for a quiet period: no 429 and no change. It never narrows to or
 * below a margin that drew a 429 within memoryMs, so with steady network jitter it settles just above the widest
 * margin that proved too narrow instead of probing it again every quiet period; once that memory fades it probes one
 * step lower, so a deployment whose jitter went away returns to the floor.
 */
export function narrowWhenQuiet(
  state: MarginState,
  settings: MarginSettings,
  nowMs: number,
): { state: MarginState; change: MarginChange | null } {
  const fromMs = effectiveMarginMs(state, settings);
  if (fromMs <= settings.floorMs) return { state, change: null };
  if (nowMs - Math.max(state.changedAtMs, state.rateLimitedAtMs) < settings.quietMs) return { state, change: null };
  const toMs = Math.max(settings.floorMs, fromMs - settings.narrowStepMs);
  const remembered = state.badAtMs > 0 && nowMs - state.badAtMs < settings.memoryMs;
  if (remembered && toMs <= state.badMs) return { state, change: null };
  return { state: { ...state, marginMs: toMs, changedAtMs: nowMs }, change: { fromMs, toMs } };
}

/** Where the shared state lives; versioned, so concurrent processes change it one at a time. */
export interface MarginStore {
  read(key: string): Promise<{ state: MarginState; version: number } | null>;
  /** Writes `state` if the stored version is still `version` (0: nothing stored); false when another write won. */
  write(key: string, version: number, state: MarginState): Promise<boolean>;
}

/** A learned margin nobody touched for a day is forgotten (the account starts again from the floor). */
const STATE_TTL_MS = 24 * 3600_000;

// KEYS[1] the account's margin hash; ARGV[1] expected version, ARGV[2] ttl ms, ARGV[3..] field, value pairs
const WRITE_SCRIPT = `
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', version + 1, unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const FIELDS = ['marginMs', 'changedAtMs', 'rateLimitedAtMs', 'burstAtMs', 'holdUntilMs', 'badMs', 'badAtMs'] as const;

/** One small hash per account: one HGETALL to read, one script call (compare version, set) to write. */
export class RedisMarginStore implements MarginStore {
  constructor(private readonly redis: RedisClient) {
    redis.defineCommand('threadlineWriteMargin', { numberOfKeys: 1, lua: WRITE_SCRIPT });
  }

  async read(key: string): Promise<{ state: MarginState; version: number } | null> {
    const hash = await this.redis.hgetall(key);
    const version = Number(hash.version);
    if (!(version > 0)) return null;
    const state = Object.fromEntries(FIELDS.map((f) => [f, Number(hash[f]) || 0])) as unknown as MarginState;
    return { state, version };
  }

  async write(key: string, version: number, state: MarginState): Promise<boolean> {
    const pairs = FIELDS.flatMap((f) => [f, String(Math.round(state[f]))]);
    const written = await (this.redis as unknown as WriteCommand).threadlineWriteMargin(
      key,
      version,
      STATE_TTL_MS,
      ...pairs,
    );
    return written === 1;
  }
}

interface WriteCommand {
  threadlineWriteMargin(...args: Array<string | number>): Promise<unknown>;
}

/** The cached margin is re-read from Redis (and narrowed if due) at most this often per account and process. */
export const MARGIN_REFRESH_MS = 1000;
/** Concurrent writers retry a lost compare-and-set this many times before leaving it to the next refresh or 429. */
const WRITE_ATTEMPTS = 5;

interface CachedMargin {
  marginMs: number;
  readAtMs: number;
  refreshing: Promise<void> | null;
  /** A 429 being recorded: the others of this process arriving meanwhile belong to the same burst. */
  recording: Promise<void> | null;
}

export function marginKey(redisPrefix: string, limiterKey: string): string {
  return `${redisPrefix}:ratelimit:${limiterKey}:margin`;
}

/**
 * The rate limiter's margin per CXone account, learned from 429s (see widenOnRateLimited and narrowWhenQuiet): with
 * real network jitter J the sends of one sliding second can arrive closer together than they started, by up to J, and
 * a fixed margin smaller than that draws 429s; one much larger wastes rate. A 429 widens the margin, a quiet period
 * narrows it again, so it settles a little above what the network needs without hand tuning.
 *
 * The state is shared by every process through one small Redis hash per account, so a 429 seen by one worker widens
 * the margin for all of them. Sends never wait for Redis for it: each process keeps the margin in memory and
 * re-reads it in the background at most once a second (MARGIN_REFRESH_MS), and at once when it sees a 429. Only
 * the process whose write changed the margin logs the change, so each change is logged once.
 */
export class AdaptiveMargin {
  private readonly logger = new Logger(AdaptiveMargin.name);
  private readonly accounts = new Map<string, CachedMargin>();
  private readonly settings: MarginSettings;

  constructor(
    private readonly store: MarginStore,
    private readonly keyPrefix: string,
    config: AppConfig,
    private readonly clock: Clock,
    private readonly metrics: DispatchMetrics,
  ) {
    this.settings = config.dispatch.rateLimitMargin;
  }

  static create(redis: RedisService, config: AppConfig, clock: Clock, metrics: DispatchMetrics): AdaptiveMargin {
    return new AdaptiveMargin(new RedisMarginStore(redis.client), redis.prefix, config, clock, metrics);
  }

  /**
   * The margin for the next send of `accountId`, in ms. Answered from memory; the first call of an account waits
   * for the stored margin once, later ones start a background refresh when theirs is more than a second old.
   */
  async marginMs(accountId: string, limiterKey: string): Promise<number> {
    let cached = this.accounts.get(accountId);
    if (!cached) {
      cached = { marginMs: this.settings.floorMs, readAtMs: -Infinity, refreshing: null, recording: null };
      this.accounts.set(accountId, cached);
      await this.refresh(accountId, limiterKey, cached);
    } else if (this.clock.now() - cached.readAtMs >= MARGIN_REFRESH_MS && !cached.refreshing) {
      void this.refresh(accountId, limiterKey, cached);
    }
    return cached.marginMs;
  }

  /** CXone answered 429 for `accountId`, which now pauses `pauseMs`: widen the margin (once per burst). */
  rateLimited(accountId: string, limiterKey: string, pauseMs: number): Promise<void> {
    const cached = this.cached(accountId);
    cached.recording ??= this.update(accountId, limiterKey, cached, (state, now) =>
      widenOnRateLimited(state, this.settings, now, pauseMs),
    )
      .catch((err: unknown) => {
        // the pause itself is in place; the next 429 or refresh tries again
        this.logger.warn(`account ${accountId}: could not record a 429 for the rate-limit margin: ${message(err)}`);
      })
      .finally(() => {
        cached.recording = null;
      });
    return cached.recording;
  }

  private cached(accountId: string): CachedMargin {
    let cached = this.accounts.get(accountId);
    if (!cached) {
      cached = { marginMs: this.settings.floorMs, readAtMs: -Infinity, refreshing: null, recording: null };
      this.accounts.set(accountId, cached);
    }
    return cached;
  }

  private refresh(accountId: string, limiterKey: string, cached: CachedMargin): Promise<void> {
    // Whatever happens, wait a second before the next try: a Redis outage must not cost a failed read per send.
    cached.readAtMs = this.clock.now();
    cached.refreshing = this.update(accountId, limiterKey, cached, (state, now) =>
      narrowWhenQuiet(state, this.settings, now),
    )
      .catch((err: unknown) => {
        this.logger.warn(
          `account ${accountId}: could not read the rate-limit margin (keeping ${cached.marginMs} ms): ${message(err)}`,
        );
      })
      .finally(() => {
        cached.refreshing = null;
      });
    return cached.refreshing;
  }

  /** Reads the shared state, applies `step` and writes it back if it changed (retrying when another write won). */
  private async update(
    accountId: string,
    limiterKey: string,
    cached: CachedMargin,
    step: (state: MarginState, nowMs: number) => { state: MarginState; change: MarginChange | null },
  ): Promise<void> {
    const key = marginKey(this.keyPrefix, limiterKey);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const stored = await this.store.read(key);
      const state = stored?.state ?? initialMarginState(this.settings);
      const next = step(state, this.clock.now());
      if (next.state === state) return this.use(accountId, cached, state);
      if (await this.store.write(key, stored?.version ?? 0, next.state)) {
        if (next.change) this.logChange(accountId, next.change);
        return this.use(accountId, cached, next.state);
      }
    }
    throw new Error(`${WRITE_ATTEMPTS} concurrent writes won over this one`);
  }

  private use(accountId: string, cached: CachedMargin, state: MarginState): void {
    cached.marginMs = effectiveMarginMs(state, this.settings);
    cached.readAtMs = this.clock.now();
    this.metrics.rateLimitMargin.set({ account: accountId }, cached.marginMs);
  }

  private logChange(accountId: string, change: MarginChange): void {
    if (change.toMs > change.fromMs) {
      this.logger.log(
        `account ${accountId}: CXone answered 429, rate-limit margin widened ${change.fromMs} → ${change.toMs} ms`,
      );
    } else {
      const quietS = Math.round(this.settings.quietMs / 1000);
      this.logger.log(
        `account ${accountId}: no 429 for ${quietS} s, rate-limit margin narrowed ${change.fromMs} → ${change.toMs} ms`,
      );
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
