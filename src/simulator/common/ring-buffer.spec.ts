import { RingBuffer } from './ring-buffer';

describe('RingBuffer', () => {
  it('keeps the newest items in order once full', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);

    expect(ring.size).toBe(3);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.at(0)).toBe(3);
    expect(ring.at(3)).toBeUndefined();
  });

  it('clears', () => {
    const ring = new RingBuffer<string>(2);
    ring.push('a');
    ring.clear();

    expect(ring.toArray()).toEqual([]);
  });

  it('refuses a capacity below one', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});
