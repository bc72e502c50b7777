import { MAX_CLOCK_OFFSET_MS, realNowMs, SimClock } from './clock';

const DAY_MS = 86_400_000;

/** The clock's reading, with the real time just before and just after it. */
function read(clock: SimClock): { before: number; now: number; after: number } {
  const before = realNowMs();
  const now = clock.nowMs();
  const after = realNowMs();
  return { before, now, after };
}

describe('SimClock', () => {
  it('tells real time, sub-millisecond, until it is moved', () => {
    const clock = new SimClock();
    const { before, now, after } = read(clock);

    expect(clock.offsetMs).toBe(0);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
    expect(Math.abs(now - Date.now())).toBeLessThan(1000);
  });

  it('moves forward by exactly the advance, and advances add up', () => {
    const clock = new SimClock();
    clock.advance(25 * 3_600_000);
    clock.advance(1);
    const { before, now, after } = read(clock);

    expect(clock.offsetMs).toBe(25 * 3_600_000 + 1);
    expect(now - clock.offsetMs).toBeGreaterThanOrEqual(before);
    expect(now - clock.offsetMs).toBeLessThanOrEqual(after);
    expect(Date.parse(clock.nowIso())).toBeGreaterThanOrEqual(Math.floor(before + clock.offsetMs));
  });

  it('never goes back: readings stay in order across an advance', () => {
    const clock = new SimClock();
    const readings = [clock.nowMs(), clock.nowMs()];
    clock.advance(1000);
    readings.push(clock.nowMs(), clock.nowMs());

    expect([...readings].sort((a, b) => a - b)).toEqual(readings);
    expect(readings[2] - readings[1]).toBeGreaterThanOrEqual(1000);
  });

  it('goes back to real time on reset', () => {
    const clock = new SimClock();
    clock.advance(400 * DAY_MS);
    clock.reset();
    const { before, now, after } = read(clock);

    expect(clock.offsetMs).toBe(0);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
  });

  it('keeps one offset per instance', () => {
    const a = new SimClock();
    const b = new SimClock();
    a.advance(DAY_MS);

    expect([a.offsetMs, b.offsetMs]).toEqual([DAY_MS, 0]);
  });

  it('refuses an advance that is not a positive whole number of ms, or beyond 100 years ahead, unchanged', () => {
    const clock = new SimClock();
    clock.advance(MAX_CLOCK_OFFSET_MS - 10);

    for (const ms of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 11]) {
      expect(() => clock.advance(ms)).toThrow(RangeError);
    }
    expect(clock.offsetMs).toBe(MAX_CLOCK_OFFSET_MS - 10);
    clock.advance(10);
    expect(clock.offsetMs).toBe(MAX_CLOCK_OFFSET_MS);
  });
});
