// One call of one adapter target on one replica, within the upstream's
// timeout_ms and the client's signal. A non-streamed answer counts only once
// its whole body is in: a cut body is a failure the next target can absorb.
import type { AdapterTarget } from "../routing/compiled";
import type { CallInput } from "./call-types";
import { providerFor } from "./index";
import type { UpstreamResult } from "./provider";

export type AttemptOutcome =
  | { clientAborted: true; called: boolean }
  | { timeout: true }
  | { result: UpstreamResult; text?: string | null; abort?: (reason: string) => void };

/**
 * Races `work` against the abort. The loser still settles later (a fetch
 * cancelled by the abort rejects with "Network connection lost"): it is
 * marked handled so it cannot surface as an uncaught rejection.
 */
function untilAborted<T>(work: Promise<T>, aborted: Promise<never>): Promise<T> {
  work.catch(() => {});
  return Promise.race([work, aborted]);
}

export async function attempt(target: AdapterTarget, input: CallInput, replica?: string): Promise<AttemptOutcome> {
  // Gone already (say, during the previous target's timeout): call nothing.
  if (input.clientSignal?.aborted) return { clientAborted: true, called: false } as const;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("timeout"));
  }, target.upstream.timeout_ms);
  const onClientAbort = () => controller.abort(new Error("client disconnected"));
  input.clientSignal?.addEventListener("abort", onClientAbort);
  const aborted = new Promise<never>((_, reject) =>
    controller.signal.addEventListener("abort", () => reject(new Error("aborted"))),
  );
  aborted.catch(() => {});
  try {
    const result = await untilAborted(
      providerFor(target.upstream.kind).complete(target, {
        body: input.body,
        stream: input.stream,
        signal: controller.signal,
        env: input.env,
        replica,
      }),
      aborted,
    );
    if (result.ok && !input.stream) {
      // A non-streamed answer counts only once its whole body is in, within
      // the same timeout: a cut body is a failure the next target can absorb.
      const text = await untilAborted(result.response.text(), aborted);
      return { result, text, abort: () => {} } as const;
    }
    return { result, text: null, abort: (reason: string) => controller.abort(new Error(reason)) } as const;
  } catch (error) {
    if (timedOut) return { timeout: true } as const;
    if (input.clientSignal?.aborted) return { clientAborted: true, called: true } as const;
    return {
      result: {
        ok: false,
        failure: { kind: "network", message: error instanceof Error ? error.message : String(error) },
      },
    } as const;
  } finally {
    clearTimeout(timer);
    input.clientSignal?.removeEventListener("abort", onClientAbort);
  }
}
