// The types of a chat call through the fallback chain, shared by
// call-with-fallback.ts (the chain), call-target.ts (one target, its
// replicas) and attempt.ts (one call), and read by the interaction record.
import type { AdapterTarget } from "../routing/compiled";
import type { UpstreamPool } from "../upstreams/upstream-pool";
import type { UpstreamFailure } from "./provider";

export interface AttemptRecord {
  version: string;
  upstream: string;
  /** The replica called, for an upstream with replicas or a base_url. */
  replica?: string;
  /**
   * skipped: its dialect cannot take the request (chat/plan-chat.ts), or every
   * replica's circuit is open; not called. load_failed: the LoRA was not
   * loaded there and loading it failed.
   */
  outcome: "ok" | "http_error" | "network_error" | "timeout" | "skipped" | "load_failed";
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
  /** The isolate's replica health, inventory and loads; without it the upstream's base_url is called as is. */
  pool?: UpstreamPool;
  tenant?: string;
  waitUntil?: (promise: Promise<unknown>) => void;
}

const NOT_RETRYABLE = new Set([400, 413, 422]);

export function isRetryable(failure: FinalFailure): boolean {
  if (failure.kind === "client_aborted") return false;
  if (failure.kind === "http") return !NOT_RETRYABLE.has(failure.status);
  return true;
}
