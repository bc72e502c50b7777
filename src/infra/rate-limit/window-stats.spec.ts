import { maxInSlidingWindow, meanRatePerSecond, perSecondCounts } from './window-stats';

describe('window statistics', () => {
  it('finds the busiest sliding window even when it straddles calendar seconds', () => {
    // 40 events late in second 0 and 40 early in second 1: each calendar second holds 40, one sliding second 80.
    const late = Array.from({ length: 40 }, (_, i) => 900 + i);
    const early = Array.from({ length: 40 }, (_, i) => 1000 + i);
    expect(perSecondCounts([0, ...late, ...early])).toEqual([41, 40]);
    expect(maxInSlidingWindow([...late, ...early])).toBe(80);
  });

  it('counts a window as half-open', () => {
    expect(maxInSlidingWindow([0, 1000])).toBe(1);
    expect(maxInSlidingWindow([0, 999])).toBe(2);
  });

  it('computes the mean rate between the first and last event', () => {
    const evenly = Array.from({ length: 41 }, (_, i) => i * 25);
    expect(meanRatePerSecond(evenly)).toBeCloseTo(40);
    expect(maxInSlidingWindow(evenly)).toBe(40);
  });

  it('handles large inputs without exhausting the stack', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    expect(meanRatePerSecond(many)).toBeCloseTo(1000);
    expect(perSecondCounts(many)).toHaveLength(300);
  });
});
