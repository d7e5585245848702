// The one clock. Everything that reads the time takes a Clock, so tests (and
// the queue consumer and Workflow) can pass their own. Two readings, named for
// what they are: epoch time for what is stored and signed, and a monotonic
// reading for durations. (In Workers both advance only across I/O, a Spectre
// mitigation; durations measured here are wall time across awaits.)
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Milliseconds from an arbitrary origin; only differences mean anything. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

/** Whole seconds since the epoch, as JWT-style expiries and OpenAI's `created` use. */
export const epochSeconds = (clock: Clock): number => Math.floor(clock.nowMs() / 1000);
