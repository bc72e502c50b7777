import { canonicalTimeZone } from '@/infra/time/time-zones';
import { formatHhMm, isQuietMinute, parseHhMm, QuietHours, quietHoursEnd } from './quiet-hours';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const hours = (start: string, end: string): QuietHours => ({
  startMinute: parseHhMm(start)!,
  endMinute: parseHhMm(end)!,
});
const NIGHT = hours('21:00', '08:00');

/** [zone, instant asked, quiet hours, when the window opens (null: not quiet)], checked one row at a time. */
type Row = [zone: string, asked: string, quiet: QuietHours, opens: string | null];

const check = (rows: Row[]): void => {
  const answers = rows.map(([zone, asked, quiet]) => [zone, asked, iso(quietHoursEnd(quiet, zone, at(asked)))]);
  expect(answers).toEqual(rows.map(([zone, asked, , opens]) => [zone, asked, opens]));
};

describe('quiet hours', () => {
  it('reads and writes HH:MM (24-hour) and refuses anything else', () => {
    expect(['00:00', '08:00', '21:30', '23:59'].map(parseHhMm)).toEqual([0, 480, 1290, 1439]);
    expect(['24:00', '9:00', '21:60', '21:00:00', '', ' 21:00', '2100'].map(parseHhMm)).toEqual(Array(7).fill(null));
    expect([0, 480, 1290, 1439].map(formatHhMm)).toEqual(['00:00', '08:00', '21:30', '23:59']);
  });

  it('spans within a day, and wraps past midnight when start is after end', () => {
    const day = hours('12:00', '14:00');
    const minutes = [0, 479, 480, 719, 720, 839, 840, 1259, 1260, 1439];
    expect(minutes.map((m) => [formatHhMm(m), isQuietMinute(day, m), isQuietMinute(NIGHT, m)])).toEqual([
      ['00:00', false, true],
      ['07:59', false, true],
      ['08:00', false, false],
      ['11:59', false, false],
      ['12:00', true, false],
      ['13:59', true, false],
      ['14:00', false, false],
      ['20:59', false, false],
      ['21:00', false, true],
      ['23:59', false, true],
    ]);
  });

  it('opens the window at the local end time, today before midnight-wrapped ends and tomorrow after the start', () => {
    check([
      // America/New_York in December: UTC-5
      ['America/New_York', '2026-12-01T17:00:00.000Z', NIGHT, null], // 12:00 local
      ['America/New_York', '2026-12-02T01:59:59.000Z', NIGHT, null], // 20:59:59
      ['America/New_York', '2026-12-02T02:00:00.000Z', NIGHT, '2026-12-02T13:00:00.000Z'], // 21:00
      ['America/New_York', '2026-12-02T04:00:00.000Z', NIGHT, '2026-12-02T13:00:00.000Z'], // 23:00
      ['America/New_York', '2026-12-02T08:00:00.000Z', NIGHT, '2026-12-02T13:00:00.000Z'], // 03:00 the next day
      ['America/New_York', '2026-12-02T12:59:59.999Z', NIGHT, '2026-12-02T13:00:00.000Z'], // 07:59:59.999
      ['America/New_York', '2026-12-02T13:00:00.000Z', NIGHT, null], // 08:00
      ['UTC', '2026-12-01T13:30:00.000Z', hours('12:00', '14:00'), '2026-12-01T14:00:00.000Z'],
      ['UTC', '2026-12-01T14:00:00.000Z', hours('12:00', '14:00'), null],
      // the last day of a month and of a year
      ['UTC', '2026-12-31T22:00:00.000Z', NIGHT, '2027-01-01T08:00:00.000Z'],
    ]);
  });

  it('is DST-correct in America/New_York when summer time starts (2026-03-08) and ends (2026-11-01)', () => {
    check([
      // 22:00 EST on the 7th: the night ends at 08:00 EDT (UTC-4), one hour earlier in UTC than the night before
      ['America/New_York', '2026-03-08T03:00:00.000Z', NIGHT, '2026-03-08T12:00:00.000Z'],
      ['America/New_York', '2026-03-07T03:00:00.000Z', NIGHT, '2026-03-07T13:00:00.000Z'],
      // an end time inside the skipped hour (02:00 → 03:00): the window opens when the clock jumps, 03:00 EDT
      ['America/New_York', '2026-03-08T06:00:00.000Z', hours('22:00', '02:30'), '2026-03-08T07:00:00.000Z'],
      ['America/New_York', '2026-03-08T07:00:00.000Z', hours('22:00', '02:30'), null], // 03:00 EDT
      // 23:00 EDT on 31 October: ends at 08:00 EST (UTC-5)
      ['America/New_York', '2026-11-01T03:00:00.000Z', NIGHT, '2026-11-01T13:00:00.000Z'],
      // an end time inside the repeated hour (01:00-01:59 twice): first at 01:30 EDT…
      ['America/New_York', '2026-11-01T04:30:00.000Z', hours('00:00', '01:30'), '2026-11-01T05:30:00.000Z'],
      ['America/New_York', '2026-11-01T05:40:00.000Z', hours('00:00', '01:30'), null], // 01:40 EDT
      // …and 01:10 EST, the hour again, is quiet again until 01:30 EST
      ['America/New_York', '2026-11-01T06:10:00.000Z', hours('00:00', '01:30'), '2026-11-01T06:30:00.000Z'],
    ]);
  });

  it('handles zones with half-hour and 45-minute offsets, and a half-hour DST shift', () => {
    check([
      // Asia/Kolkata, UTC+5:30: 21:30 local → 08:00 local = 02:30Z
      ['Asia/Kolkata', '2026-12-01T16:00:00.000Z', NIGHT, '2026-12-02T02:30:00.000Z'],
      ['Asia/Kolkata', '2026-12-02T02:29:00.000Z', NIGHT, '2026-12-02T02:30:00.000Z'],
      ['Asia/Kolkata', '2026-12-02T02:30:00.000Z', NIGHT, null],
      ['Asia/Kolkata', '2026-12-01T15:29:59.000Z', NIGHT, null], // 20:59:59
      // Asia/Kathmandu, UTC+5:45: 22:45 local → 07:00 local = 01:15Z
      ['Asia/Kathmandu', '2026-12-01T17:00:00.000Z', hours('22:00', '07:00'), '2026-12-02T01:15:00.000Z'],
      // Australia/Adelaide in summer, UTC+10:30
      ['Australia/Adelaide', '2026-12-01T12:00:00.000Z', NIGHT, '2026-12-01T21:30:00.000Z'],
      // Australia/Lord_Howe moves by 30 minutes (02:00 → 02:30 on 2026-10-04): an end at 02:15 opens at the jump
      ['Australia/Lord_Howe', '2026-10-03T15:00:00.000Z', hours('22:00', '02:15'), '2026-10-03T15:30:00.000Z'],
    ]);
  });

  it('knows IANA zones, spelled canonically, and nothing else', () => {
    expect(['europe/paris', 'Asia/Kolkata', 'UTC'].map(canonicalTimeZone)).toEqual([
      'Europe/Paris',
      'Asia/Kolkata',
      'UTC',
    ]);
    expect(['Mars/Olympus_Mons', '', 'x'.repeat(65), 42, null].map(canonicalTimeZone)).toEqual(Array(5).fill(null));
  });
});
