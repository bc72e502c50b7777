/**
 * How long reconciliation waits before reading a thread's CXone messages again: a sixth of the thread's age, at least
 * `minDelayMs` (a fresh alert: 10 s by default) and at most `maxDelayMs` (an hour). The age counts from the thread's
 * latest sign of life: the alert, or the customer's latest message (someone who just wrote HELP may well write STOP
 * next). Proportional to the age, the number of reads of a thread grows only with the logarithm of how long it stays
 * open (about 6 per tenfold of age), while the reply a customer sends soon after the alert is seen soon.
 */
export interface ReconcileBackoff {
  minDelayMs: number;
  maxDelayMs: number;
}

/** The delay is this fraction of the thread's age (between the floor and the cap). */
export const AGE_DIVISOR = 6;

/** The delay for a thread `ageMs` old (a negative age, from clock skew, counts as new). */
export function reconcileDelayMs(ageMs: number, backoff: ReconcileBackoff): number {
  const proportional = Math.max(0, ageMs) / AGE_DIVISOR;
  return Math.round(Math.min(backoff.maxDelayMs, Math.max(backoff.minDelayMs, proportional)));
}

/** When the thread is read next, after a read at `nowMs`. */
export function nextReconcileAt(
  nowMs: number,
  thread: { createdAt: Date; lastCustomerAt: Date | null },
  backoff: ReconcileBackoff,
): Date {
  const lastSign = Math.max(thread.createdAt.getTime(), thread.lastCustomerAt?.getTime() ?? 0);
  return new Date(nowMs + reconcileDelayMs(nowMs - lastSign, backoff));
}
