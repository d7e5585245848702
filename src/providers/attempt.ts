// One call of one adapter target on one replica, within the upstream's
// timeout_ms and the client's signal. A non-streamed answer counts only once
// its whole body is in: a cut body is a failure the next target can absorb.
//
// A whole answer's call takes the runtime's own composition of the upstream's
// timeout (AbortSignal.timeout, which covers the body too) and the client's
// signal: no timer, listener or abort promise of ours, each a runtime call on
// every request (docs/performance.md, round 4). A stream's timeout and client
// link hold only until its headers are in (the stream's own watchdog and
// cancel take over from there, src/logging/capture-stream.ts), so it keeps a
// timer and a listener that are removed at that point, and a controller the
// gateway ends the stream with.
import type { AdapterTarget } from "../routing/compiled";
import type { CallInput } from "./call-types";
import { providerFor } from "./index";
import type { UpstreamResult } from "./provider";

export type AttemptOutcome =
  | { clientAborted: true; called: boolean }
  | { timeout: true }
  | { result: UpstreamResult; text?: string | null; abort?: (reason: string) => void };

const NO_ABORT = () => {};

function failed(error: unknown): AttemptOutcome {
  return {
    result: {
      ok: false,
      failure: { kind: "network", message: error instanceof Error ? error.message : String(error) },
    },
  };
}

export async function attempt(target: AdapterTarget, input: CallInput, replica?: string): Promise<AttemptOutcome> {
  // Gone already (say, during the previous target's timeout): call nothing.
  if (input.clientSignal?.aborted) return { clientAborted: true, called: false } as const;
  return input.stream ? attemptStream(target, input, replica) : attemptWhole(target, input, replica);
}

async function attemptWhole(target: AdapterTarget, input: CallInput, replica?: string): Promise<AttemptOutcome> {
  const timeout = AbortSignal.timeout(target.upstream.timeout_ms);
  const signal = input.clientSignal ? AbortSignal.any([timeout, input.clientSignal]) : timeout;
  try {
    const result = await providerFor(target.upstream.kind).complete(target, {
      body: input.body,
      stream: false,
      signal,
      env: input.env,
      replica,
    });
    if (!result.ok) return { result, text: null, abort: NO_ABORT };
    return { result, text: await result.response.text(), abort: NO_ABORT };
  } catch (error) {
    if (timeout.aborted) return { timeout: true } as const;
    if (input.clientSignal?.aborted) return { clientAborted: true, called: true } as const;
    return failed(error);
  }
}

async function attemptStream(target: AdapterTarget, input: CallInput, replica?: string): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("timeout"));
  }, target.upstream.timeout_ms);
  const onClientAbort = () => controller.abort(new Error("client disconnected"));
  input.clientSignal?.addEventListener("abort", onClientAbort);
  try {
    const result = await providerFor(target.upstream.kind).complete(target, {
      body: input.body,
      stream: true,
      signal: controller.signal,
      env: input.env,
      replica,
    });
    return { result, text: null, abort: (reason: string) => controller.abort(new Error(reason)) } as const;
  } catch (error) {
    if (timedOut) return { timeout: true } as const;
    if (input.clientSignal?.aborted) return { clientAborted: true, called: true } as const;
    return failed(error);
  } finally {
    clearTimeout(timer);
    input.clientSignal?.removeEventListener("abort", onClientAbort);
  }
}
