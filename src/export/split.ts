// Deterministic train/validation split. The key is the prompt's turns (system
// messages left out, before redaction), so:
// - every example built from one prompt (an SFT line, a DPO pair, both KTO
//   lines of a correction) lands on the same side: no prompt leaks from
//   validation into train;
// - the side does not change with the `system` or `redact` options, and a
//   rerun, a feed's next page or another isolate decides the same way.
// A fixed seed separates this hash from the dedup hash of the same text.

import { canonicalJson, unitInterval } from "./stable-hash";
import type { Msg, Split } from "./types";

const SPLIT_SEED = 0x5b1;

/** Where in [0, 1) the prompt falls; < valRatio means validation. */
export function splitPoint(prompt: readonly Msg[]): number {
  return unitInterval(canonicalJson(prompt.filter((m) => m.role !== "system")), SPLIT_SEED);
}

export function splitOf(prompt: readonly Msg[], valRatio: number): Split {
  return splitPoint(prompt) < valRatio ? "validation" : "train";
}
