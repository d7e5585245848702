// What a client sees of the limits: OpenAI's x-ratelimit-* headers on every
// chat answer of a tenant with limits, and on a refusal also retry-after
// (whole seconds, RFC 9110 §10.2.3) and retry-after-ms (which OpenAI's SDKs
// read first), plus the message in OpenAI's wording. Pure.
// OpenAI's reset headers are durations in Go's notation ("1s", "6m0s",
// "20ms") until the limit is back to its full amount; a dimension the tenant
// and key do not limit gets no headers.
import type { Admission, LimitScope, Refusal } from "./limit-types";

/** Go's time.Duration notation at millisecond precision: 0s, 20ms, 1.5s, 6m0s, 1h2m3s. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = (total % 60_000) / 1000;
  const h = hours ? `${hours}h` : "";
  const m = hours || minutes ? `${minutes}m` : "";
  return `${h}${m}${seconds}s`;
}

export function rateLimitHeaders(admission: Admission): Record<string, string> {
  const headers: Record<string, string> = {};
  const { requests, tokens, refusal } = admission;
  if (requests) {
    headers["x-ratelimit-limit-requests"] = String(requests.limit);
    headers["x-ratelimit-remaining-requests"] = String(requests.remaining);
    headers["x-ratelimit-reset-requests"] = goDuration(requests.resetMs);
  }
  if (tokens) {
    headers["x-ratelimit-limit-tokens"] = String(tokens.limit);
    headers["x-ratelimit-remaining-tokens"] = String(tokens.remaining);
    headers["x-ratelimit-reset-tokens"] = goDuration(tokens.resetMs);
  }
  if (refusal) {
    const ms = Math.max(1, Math.ceil(refusal.retryAfterMs));
    headers["retry-after"] = String(Math.ceil(ms / 1000));
    headers["retry-after-ms"] = String(ms);
  }
  return headers;
}

function whose(scope: LimitScope, tenant: string): string {
  return scope === "tenant" ? `tenant '${tenant}'` : "this API key";
}

/** OpenAI's wording ("Rate limit reached for … : Limit 3, Used 3, Requested 1. Please try again in 20s."). */
export function refusalMessage(tenant: string, refusal: Refusal): string {
  const wait = goDuration(refusal.retryAfterMs);
  switch (refusal.kind) {
    case "requests":
      return `Rate limit reached for requests per minute (RPM) of ${whose(refusal.scope, tenant)}: Limit ${refusal.limit}, Used ${refusal.used}, Requested 1. Please try again in ${wait}.`;
    case "tokens":
      return `Rate limit reached for tokens per day (TPD) of ${whose(refusal.scope, tenant)}: Limit ${refusal.limit}, Used ${refusal.used}. Please try again in ${wait}.`;
    case "streams":
      return `Rate limit reached for concurrent streams of ${whose(refusal.scope, tenant)}: Limit ${refusal.limit}, Open ${refusal.used}. Please try again when a stream has ended.`;
  }
}
