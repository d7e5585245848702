// Tries the plan's primary adapter, then each fallback, until one answers.
// A target is abandoned on 429, 5xx, 401/403/404 (the adapter cannot be served
// there), a network error or the upstream's timeout_ms — all before the first
// byte has gone to the client, so a retry is invisible to it. A 400/413/422
// is the request's own fault and is not retried elsewhere. Within a target,
// the replicas to call and the runtime LoRA load are call-target.ts's job.
import type { AdapterTarget } from "../routing/compiled";
import { callTarget } from "./call-target";
import { isRetryable, type AttemptRecord, type CallInput, type CallOutcome, type FinalFailure } from "./call-types";

export type { AttemptRecord, CallInput, CallOutcome, FinalFailure } from "./call-types";
export { isRetryable } from "./call-types";

export async function callWithFallback(targets: readonly AdapterTarget[], input: CallInput): Promise<CallOutcome> {
  const attempts: AttemptRecord[] = [];
  let failure: FinalFailure = { kind: "network", message: "no adapter to call" };
  for (const target of targets) {
    const result = await callTarget(target, input, attempts);
    if (result.ok) return { ...result, target, attempts };
    failure = result.failure;
    if (!isRetryable(failure)) break;
  }
  return { ok: false, failure, attempts };
}
