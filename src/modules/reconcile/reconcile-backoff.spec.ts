import { AGE_DIVISOR, nextReconcileAt, reconcileDelayMs } from './reconcile-backoff';

const backoff = { minDelayMs: 10_000, maxDelayMs: 3_600_000 };
const MIN = 60_000;
const HOUR = 3_600_000;

describe('reconcileDelayMs', () => {
  it('reads a fresh alert again after the floor', () => {
    expect(reconcileDelayMs(0, backoff)).toBe(10_000);
    expect(reconcileDelayMs(30_000, backoff)).toBe(10_000);
  });

  it('grows with the thread’s age, a sixth of it', () => {
    expect(AGE_DIVISOR).toBe(6);
    expect(reconcileDelayMs(10 * MIN, backoff)).toBe(100_000);
    expect(reconcileDelayMs(HOUR, backoff)).toBe(10 * MIN);
  });

  it('stops growing at the cap', () => {
    expect(reconcileDelayMs(6 * HOUR, backoff)).toBe(HOUR);
    expect(reconcileDelayMs(30 * 24 * HOUR, backoff)).toBe(HOUR);
  });

  it('treats a negative age (clock skew) as new', () => {
    expect(reconcileDelayMs(-5 * MIN, backoff)).toBe(10_000);
  });

  it('never shrinks as the age grows', () => {
    const ages = Array.from({ length: 200 }, (_, i) => Math.round(1.1 ** i * 1000));
    const delays = ages.map((age) => reconcileDelayMs(age, backoff));
    const drops = delays.flatMap((d, i) =>
      i > 0 && d < delays[i - 1] ? [{ age: ages[i], d, before: delays[i - 1] }] : [],
    );
    expect(drops).toEqual([]);
  });
});

describe('nextReconcileAt', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('counts the age from the alert when the customer never wrote', () => {
    const at = nextReconcileAt(now, { createdAt: new Date(now - HOUR), lastCustomerAt: null }, backoff);
    expect(at.toISOString()).toBe(new Date(now + 10 * MIN).toISOString());
  });

  it('counts the age from the customer’s latest message when it is newer', () => {
    const at = nextReconcileAt(
      now,
      { createdAt: new Date(now - 5 * HOUR), lastCustomerAt: new Date(now - 60_000) },
      backoff,
    );
    expect(at.toISOString()).toBe(new Date(now + 10_000).toISOString());
  });
});
