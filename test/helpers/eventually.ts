export interface EventuallyOptions {
  timeoutMs?: number;
  everyMs?: number;
  what?: string;
}

/**
 * Waits for an outcome that happens asynchronously elsewhere (a worker finishing a campaign, the simulator's
 * background delivery), where there is no event to subscribe to. Checks every `everyMs` (a real timer, so other
 * work gets the event loop), for at most `timeoutMs`.
 *
 * - `eventually(probe, accept)`: until `probe` returns a value `accept`s; answers that value, or fails with the last
 *   value after `timeoutMs`.
 * - `eventually(assertion)`: until `assertion` stops throwing (e.g. a block of `expect`s); fails with the assertion's
 *   own last error after `timeoutMs`, so the report shows the diff of the last attempt.
 */
export async function eventually(assertion: () => Promise<void> | void, options?: EventuallyOptions): Promise<void>;
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options?: EventuallyOptions,
): Promise<T>;
export async function eventually<T>(
  probeOrAssertion: () => Promise<T> | T,
  acceptOrOptions?: ((value: T) => boolean) | EventuallyOptions,
  maybeOptions: EventuallyOptions = {},
): Promise<T> {
  if (typeof acceptOrOptions === 'function') return poll(probeOrAssertion, acceptOrOptions, maybeOptions);
  return retry(probeOrAssertion, acceptOrOptions ?? {});
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function poll<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  { timeoutMs = 20_000, everyMs = 50, what = 'condition' }: EventuallyOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last).slice(0, 2000)}`);
    await wait(everyMs);
    last = await probe();
  }
  return last;
}

async function retry<T>(assertion: () => Promise<T> | T, { timeoutMs = 20_000, everyMs = 50 }: EventuallyOptions) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await wait(everyMs);
    }
  }
}
