// Calls one adapter target. For an openai-compatible upstream the replicas
// come from the isolate's pool (src/upstreams): best first, open circuits
// skipped, at most MAX_REPLICAS_TRIED of them, each outcome reported to its
// breaker. When every circuit is open the target is skipped without a call,
// so the request goes straight to its fallback chain. A vLLM 404 for an
// on_demand version triggers one load on that replica (single flight in the
// pool) and one retry there; a failed load abandons the target and is logged.
import type { AdapterTarget } from "../routing/compiled";
import type { FailureKind } from "../upstreams/breaker";
import type { UpstreamPool } from "../upstreams/upstream-pool";
import { isLoraNotLoaded } from "../upstreams/vllm-lora";
import { attempt, type AttemptOutcome } from "./attempt";
import { isRetryable, type AttemptRecord, type CallInput, type FinalFailure } from "./call-types";

/** A second replica absorbs one sick server; more would stack timeouts before the fallback chain. */
const MAX_REPLICAS_TRIED = 2;

export type TargetResult =
  | { ok: true; response: Response; text: string | null; abort: (reason: string) => void }
  | { ok: false; failure: FinalFailure };

type Base = Pick<AttemptRecord, "version" | "upstream" | "replica">;

/** Turns one attempt into its record, and into the target's result when it ended the target. */
function settle(outcome: AttemptOutcome, base: Base, ms: number, attempts: AttemptRecord[], timeoutMs: number) {
  if ("clientAborted" in outcome) {
    if (outcome.called) {
      attempts.push({ ...base, outcome: "network_error", status: null, ms, message: "client disconnected" });
    }
    return {
      ok: false,
      failure: { kind: "client_aborted", message: "client disconnected before the answer" },
    } as const satisfies TargetResult;
  }
  if ("timeout" in outcome) {
    const message = `upstream '${base.upstream}' gave no answer within ${timeoutMs} ms`;
    attempts.push({ ...base, outcome: "timeout", status: null, ms, message });
    return { ok: false, failure: { kind: "timeout", message } } as const satisfies TargetResult;
  }
  if (outcome.result.ok) {
    attempts.push({ ...base, outcome: "ok", status: outcome.result.response.status, ms });
    return {
      ok: true,
      response: outcome.result.response,
      text: outcome.text ?? null,
      abort: outcome.abort!,
    } as const satisfies TargetResult;
  }
  const failure = outcome.result.failure;
  attempts.push({
    ...base,
    outcome: failure.kind === "http" ? "http_error" : "network_error",
    status: failure.kind === "http" ? failure.status : null,
    ms,
    message: failure.message,
  });
  return { ok: false, failure } as const satisfies TargetResult;
}

/** What the attempt says about the replica's health: only network errors, timeouts and 5xx count against it. */
function healthOf(result: TargetResult): "ok" | "failure" | "neutral" {
  if (result.ok) return "ok";
  const f = result.failure;
  if (f.kind === "client_aborted") return "neutral";
  if (f.kind === "http") return f.status >= 500 ? "failure" : "ok";
  return "failure";
}

async function timed(target: AdapterTarget, input: CallInput, replica: string | undefined) {
  const started = input.now();
  const outcome = await attempt(target, input, replica);
  return { outcome, ms: Math.round(input.now() - started) };
}

export async function callTarget(
  target: AdapterTarget,
  input: CallInput,
  attempts: AttemptRecord[],
): Promise<TargetResult> {
  const base: Base = { version: target.adapter.version, upstream: target.upstream.id };
  const timeoutMs = target.upstream.timeout_ms;
  const { pool } = input;
  if (!pool || target.replicas.length === 0) {
    const { outcome, ms } = await timed(target, input, undefined);
    return settle(outcome, base, ms, attempts, timeoutMs);
  }
  const tenant = input.tenant ?? "";
  if (input.waitUntil) pool.refreshIfStale(target, input.env, input.waitUntil);
  const order = pool.order(tenant, target);
  let result: TargetResult | null = null;
  let tried = 0;
  for (const replica of order) {
    if (tried === MAX_REPLICAS_TRIED) break;
    if (!pool.admit(tenant, target, replica)) continue; // another request holds its half-open probe
    tried++;
    const at = { ...base, replica };
    const seenLoads = pool.loadCount(replica, target.adapter.served_name);
    let { outcome, ms } = await timed(target, input, replica);
    result = settle(outcome, at, ms, attempts, timeoutMs);
    if (!result.ok && isLoraNotLoaded(result.failure)) {
      pool.inventory.noteMissing(replica, target.adapter.served_name);
      if (target.adapter.load === "on_demand") {
        pool.report(tenant, target, replica, "ok");
        const started = input.now();
        const load = await pool.ensureLoaded(target, replica, input.env, seenLoads, tenant);
        if (!load.ok) {
          const message = `loading LoRA '${target.adapter.served_name}' from '${target.adapter.source}' failed: ${load.message}`;
          attempts.push({
            ...at,
            outcome: "load_failed",
            status: load.status,
            ms: Math.round(input.now() - started),
            message,
          });
          return {
            ok: false,
            failure: { kind: "http", status: 502, message, upstreamType: "load_failed", retryAfter: null },
          };
        }
        ({ outcome, ms } = await timed(target, input, replica));
        result = settle(outcome, at, ms, attempts, timeoutMs);
      }
    }
    pool.report(tenant, target, replica, healthOf(result), result.ok ? "" : result.failure.message, kindOf(result));
    if (result.ok) {
      pool.inventory.noteHeld(replica, target.adapter.served_name);
      return result;
    }
    if (!isRetryable(result.failure)) return result;
  }
  if (result) return result;
  return skippedAsOpen(target, tenant, pool, base, attempts);
}

/** Every circuit open: no call, and the request fails as the replicas last did (a timeout stays a timeout). */
function skippedAsOpen(
  target: AdapterTarget,
  tenant: string,
  pool: UpstreamPool,
  base: Base,
  attempts: AttemptRecord[],
): TargetResult {
  const last = pool.lastFailure(tenant, target);
  const message = `every replica of upstream '${target.upstream.id}' is skipped: its circuit is open (last error: ${last.message || "none"})`;
  attempts.push({ ...base, outcome: "skipped", status: null, ms: 0, message });
  const k = last.kind;
  if (k.kind === "http")
    return { ok: false, failure: { kind: "http", status: k.status, message, upstreamType: null, retryAfter: null } };
  return { ok: false, failure: { kind: k.kind, message } };
}

function kindOf(result: TargetResult): FailureKind | undefined {
  if (result.ok) return undefined;
  const f = result.failure;
  if (f.kind === "http") return { kind: "http", status: f.status };
  return f.kind === "timeout" ? { kind: "timeout" } : { kind: "network" };
}
