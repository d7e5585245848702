// Tries the plan's primary adapter, then each fallback, until one answers.
// A target is abandoned on 429, 5xx, 401/403/404 (the adapter cannot be served
// there), a network error or the upstream's timeout_ms — all before the first
// byte has gone to the client, so a retry is invisible to it. A 400/413/422
// is the request's own fault and is not retried elsewhere.
import type { AdapterTarget } from "../routing/compiled";
import { providerFor } from "./index";
import type { UpstreamFailure } from "./provider";

export interface AttemptRecord {
  version: string;
  upstream: string;
  /** skipped: its dialect cannot take the request (chat/plan-chat.ts); not called. */
  outcome: "ok" | "http_error" | "network_error" | "timeout" | "skipped";
  status: number | null;
  ms: number;
  message?: string;
}

export type FinalFailure =
  UpstreamFailure | { kind: "timeout"; message: string } | { kind: "client_aborted"; message: string };

export type CallOutcome =
  | {
      ok: true;
      response: Response;
      /** A non-streamed answer's whole body, already read (within the timeout); null for a stream. */
      text: string | null;
      target: AdapterTarget;
      attempts: AttemptRecord[];
      abort: (reason: string) => void;
    }
  | { ok: false; failure: FinalFailure; attempts: AttemptRecord[] };

export interface CallInput {
  body: Record<string, unknown>;
  stream: boolean;
  env: Env;
  clientSignal?: AbortSignal;
  /** Monotonic milliseconds (clock.monotonicMs), for each attempt's duration. */
  now: () => number;
}

const NOT_RETRYABLE = new Set([400, 413, 422]);

export function isRetryable(failure: FinalFailure): boolean {
  if (failure.kind === "client_aborted") return false;
  if (failure.kind === "http") return !NOT_RETRYABLE.has(failure.status);
  return true;
}

/**
 * Races `work` against the abort. The loser still settles later (a fetch
 * cancelled by the abort rejects with "Network connection lost"): it is
 * marked handled so it cannot surface as an uncaught rejection.
 */
function untilAborted<T>(work: Promise<T>, aborted: Promise<never>): Promise<T> {
  work.catch(() => {});
  return Promise.race([work, aborted]);
}

async function attempt(target: AdapterTarget, input: CallInput) {
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

export async function callWithFallback(targets: readonly AdapterTarget[], input: CallInput): Promise<CallOutcome> {
  const { now } = input;
  const attempts: AttemptRecord[] = [];
  let failure: FinalFailure = { kind: "network", message: "no adapter to call" };
  for (const target of targets) {
    const started = now();
    const base = { version: target.adapter.version, upstream: target.upstream.id };
    const outcome = await attempt(target, input);
    const ms = Math.round(now() - started);
    if ("clientAborted" in outcome) {
      if (outcome.called) {
        attempts.push({ ...base, outcome: "network_error", status: null, ms, message: "client disconnected" });
      }
      return {
        ok: false,
        failure: { kind: "client_aborted", message: "client disconnected before the answer" },
        attempts,
      };
    }
    if ("timeout" in outcome) {
      failure = {
        kind: "timeout",
        message: `upstream '${target.upstream.id}' gave no answer within ${target.upstream.timeout_ms} ms`,
      };
      attempts.push({ ...base, outcome: "timeout", status: null, ms, message: failure.message });
    } else if (outcome.result.ok) {
      attempts.push({ ...base, outcome: "ok", status: outcome.result.response.status, ms });
      return {
        ok: true,
        response: outcome.result.response,
        text: outcome.text ?? null,
        target,
        attempts,
        abort: outcome.abort!,
      };
    } else {
      failure = outcome.result.failure;
      attempts.push({
        ...base,
        outcome: failure.kind === "http" ? "http_error" : "network_error",
        status: failure.kind === "http" ? failure.status : null,
        ms,
        message: failure.message,
      });
    }
    if (!isRetryable(failure)) break;
  }
  return { ok: false, failure, attempts };
}
