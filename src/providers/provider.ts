// The one interface every upstream kind implements. A provider turns an
// adapter target plus an OpenAI-shaped body into an OpenAI-shaped Response
// (JSON, or SSE of chat.completion.chunk) or a normalized failure; retries,
// fallbacks and timeouts belong to the caller, not to providers.
import type { AdapterTarget } from "../routing/compiled";

export interface UpstreamCall {
  /** OpenAI chat body as it should reach the model; `model` is set by the provider. */
  body: Record<string, unknown>;
  stream: boolean;
  signal: AbortSignal;
  env: Env;
  /** Base URL of the replica to call (openai-compatible), without a trailing slash; default the upstream's base_url. */
  replica?: string;
}

export type UpstreamFailure =
  | { kind: "http"; status: number; message: string; upstreamType: string | null; retryAfter: string | null }
  | { kind: "network"; message: string };

export type UpstreamResult = { ok: true; response: Response } | { ok: false; failure: UpstreamFailure };

export interface Provider {
  complete(target: AdapterTarget, call: UpstreamCall): Promise<UpstreamResult>;
}
