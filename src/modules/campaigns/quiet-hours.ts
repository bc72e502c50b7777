import { instantsOfLocalTime, wallClock } from '@/infra/time/time-zones';

/**
 * A campaign's quiet hours: local times (minutes after midnight) from `startMinute` up to, not including,
 * `endMinute`. When start > end the span wraps past midnight (21:00–08:00 is 21:00 to 07:59 the next morning).
 */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const HH_MM_PATTERN = HH_MM;

/** "21:30" → 1290; null when it is not HH:MM (24-hour). */
export function parseHhMm(text: string): number | null {
  const m = HH_MM.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** 1290 → "21:30". */
export function formatHhMm(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/** Whether the local minute of the day falls inside the quiet hours. */
export function isQuietMinute(quiet: QuietHours, minuteOfDay: number): boolean {
  const { startMinute: s, endMinute: e } = quiet;
  return s < e ? minuteOfDay >= s && minuteOfDay < e : minuteOfDay >= s || minuteOfDay < e;
}

/**
 * When a recipient in `zone` may be messaged, asked at `atMs`: null when its local time is outside the quiet hours
 * (send now), else the instant its quiet hours end: the next time its local clock shows the end time, DST-correct
 * (a skipped end time opens the window when the clock jumps past it; a repeated one at its first occurrence).
 */
export function quietHoursEnd(quiet: QuietHours, zone: string, atMs: number): number | null {
  const local = wallClock(atMs, zone);
  const minute = local.hour * 60 + local.minute;
  if (!isQuietMinute(quiet, minute)) return null;
  // Before the end time: it ends today (local); after the start of a span that wraps: tomorrow.
  const endsTomorrow = minute >= quiet.endMinute;
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (endsTomorrow ? 1 : 0)));
  // The first showing of the end time still ahead (inside a repeated hour, the first one may be behind us).
  const end = instantsOfLocalTime(
    day.getUTCFullYear(),
    day.getUTCMonth() + 1,
    day.getUTCDate(),
    quiet.endMinute,
    zone,
  ).find((t) => t > atMs);
  // Always found; a minute from now guards against zone data that breaks the one-change-a-day assumption.
  return end ?? atMs + 60_000;
}
