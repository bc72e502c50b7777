/**
 * IANA time zones and wall-clock arithmetic on them, through the runtime's Intl (ICU's tz database): no date library
 * is needed for the two questions asked here (what is the local time at an instant, and which instant shows a given
 * local time), and Intl is the one source every other part of the process already trusts.
 */

const formatters = new Map<string, Intl.DateTimeFormat | null>();
const canonical = new Map<string, string | null>();
const MAX_CACHED_ZONES = 1000;

/** A formatter for `zone` (null when the runtime does not know the zone), cached: building one costs ~20 µs. */
function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f !== undefined) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    f = null;
  }
  // Bounded: unknown strings from requests must not grow the cache without end.
  if (formatters.size < MAX_CACHED_ZONES) formatters.set(zone, f);
  return f;
}

/**
 * The zone as given when it is an IANA zone the runtime knows, with ICU's capitals where only they differ
 * (`europe/paris` → `Europe/Paris`); an alias stays as given (ICU would turn `Asia/Kolkata` into the older
 * `Asia/Calcutta`). Null when it is not a zone.
 */
export function canonicalTimeZone(zone: unknown): string | null {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return null;
  const known = canonical.get(zone);
  if (known !== undefined) return known;
  const resolved = formatter(zone)?.resolvedOptions().timeZone;
  const answer = !resolved ? null : resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
  // resolvedOptions() costs ~10 µs: intake asks once per row, the sender once per send
  if (canonical.size < MAX_CACHED_ZONES) canonical.set(zone, answer);
  return answer;
}

/** Wall-clock fields of an instant in a zone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The local wall-clock time of `atMs` in `zone` (which must be a known zone). */
export function wallClock(atMs: number, zone: string): WallClock {
  const f = formatter(zone);
  if (!f) throw new RangeError(`unknown time zone ${zone}`);
  const fields: Record<string, number> = {};
  for (const part of f.formatToParts(atMs)) if (part.type !== 'literal') fields[part.type] = Number(part.value);
  return {
    year: fields.year,
    month: fields.month,
    day: fields.day,
    hour: fields.hour,
    minute: fields.minute,
    second: fields.second,
  };
}

/** The zone's offset from UTC at `atMs`, in ms (e.g. +19,800,000 for Asia/Kolkata). */
export function utcOffsetMs(atMs: number, zone: string): number {
  const w = wallClock(atMs, zone);
  const whole = atMs - (((atMs % 1000) + 1000) % 1000);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole;
}

/**
 * The instants, earliest first, at which the clock in `zone` shows `minuteOfDay` (0-1439) on the local date
 * year-month-day: usually one; two where that local time happens twice (the hour repeated when summer time ends);
 * where it never happens (the hour skipped when summer time starts), the instant the clock jumps over it (its local
 * time then being the first after it). Assumes at most one offset change within a day of the date, as in every zone.
 */
export function instantsOfLocalTime(
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  zone: string,
): number[] {
  const asUtc = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const before = utcOffsetMs(asUtc - 86_400_000, zone);
  const after = utcOffsetMs(asUtc + 86_400_000, zone);
  const shows = (t: number): boolean => {
    const w = wallClock(t, zone);
    return (
      w.year === year && w.month === month && w.day === day && w.hour * 60 + w.minute === minuteOfDay && w.second === 0
    );
  };
  const candidates = [...new Set([asUtc - before, asUtc - after])].filter(shows).sort((a, b) => a - b);
  if (candidates.length > 0) return candidates;
  // Skipped: the offset changed (grew) between the two readings; find the minute it changed at.
  let lo = asUtc - after; // still before the jump: its local time is earlier than wanted
  let hi = asUtc - before; // after the jump
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (utcOffsetMs(mid, zone) === before) lo = mid;
    else hi = mid;
  }
  return [hi];
}
