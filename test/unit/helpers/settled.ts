// Whether a promise has settled once `turn` has let what is already due run,
// without waiting for the promise itself: a test can show that something is
// still pending. The default turn suits fake timers (no time passes).
import { vi } from "vitest";

export async function settled(
  promise: Promise<unknown>,
  turn: () => Promise<unknown> = () => vi.advanceTimersByTimeAsync(0),
): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await turn();
  return done;
}
