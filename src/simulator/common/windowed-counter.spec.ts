import { WindowedCounter } from './windowed-counter';

describe('WindowedCounter', () => {
  it('counts the total and the events of the last window', () => {
    const counter = new WindowedCounter(3_600_000);
    counter.add(0);
    counter.add(1_000);
    counter.add(3_599_999);

    expect(counter.inWindow(3_599_999)).toBe(3);
    expect(counter.inWindow(3_600_000)).toBe(2); // the event at 0 is exactly one window old
    expect(counter.inWindow(3_600_999)).toBe(2);
    expect(counter.inWindow(3_601_000)).toBe(1);
    expect(counter.inWindow(7_199_998)).toBe(1);
    expect(counter.inWindow(7_199_999)).toBe(0);
    expect(counter.total).toBe(3);
  });

  it('keeps counting correctly after dropping many old events', () => {
    const counter = new WindowedCounter(1_000);
    // At t = 2024, 1,025 expired times are dropped from memory at once; the 1,000 live ones must all stay.
    for (let t = 0; t <= 2_024; t++) counter.add(t);
    expect(counter.inWindow(2_024)).toBe(1_000);

    for (let t = 2_025; t < 10_000; t++) counter.add(t);
    expect(counter.inWindow(9_999)).toBe(1_000);
    expect(counter.total).toBe(10_000);
  });
});
