// Driving a ManualClock from a test: advance it until a promise that waits on its timers settles.
import type { ManualClock } from '../../src/runtime/clock.js';

/**
 * Advance `clock` by `stepMs` between turns of the event loop until `p` settles (each retry or
 * timeout waits on a timer of the clock). Gives up after `maxSteps` steps, so a promise that never
 * settles fails the test instead of hanging it.
 */
export async function settle<T>(clock: ManualClock, p: Promise<T>, stepMs = 1_000, maxSteps = 10_000): Promise<T> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < maxSteps && !done; i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(stepMs);
  }
  if (!done) throw new Error(`still pending after ${maxSteps} steps of ${stepMs} ms on the manual clock`);
  return p;
}
