/**
 * Runs `work` while sampling `progress()` once per turn of the event loop (a setImmediate chain, which runs only
 * when the loop gets a turn), and returns the largest growth of `progress()` between two turns: how much work ran
 * without letting anything else run. A structural measure of yielding, independent of the machine's speed.
 */
export async function largestStepBetweenTurns(progress: () => number, work: () => Promise<void>): Promise<number> {
  let last = progress();
  let largest = 0;
  let running = true;
  const sample = (): void => {
    const now = progress();
    largest = Math.max(largest, now - last);
    last = now;
    if (running) setImmediate(sample);
  };
  setImmediate(sample);
  try {
    await work();
  } finally {
    running = false;
  }
  sample();
  return largest;
}
