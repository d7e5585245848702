// Maps the chat path's tagged failures (a route that resolves to nothing, an
// upstream that failed on every adapter tried) to the error catalogue. Each
// switch is exhaustive: a new failure kind does not compile until it has an
// answer here.
import {
  assertNever,
  clientClosedRequest,
  modelNotFound,
  noRoute,
  upstreamFailed,
  upstreamRateLimited,
  upstreamRejected,
  upstreamTimeout,
  upstreamUnreachable,
  versionNotAllowed,
  type GatewayError,
} from "../errors";
import type { FinalFailure } from "../providers/call-with-fallback";
import type { RouteFailure } from "../routing/resolve";

export function routeFailureError(reason: RouteFailure, model: string): GatewayError {
  switch (reason) {
    case "task_not_found":
      return modelNotFound(model);
    case "version_not_allowed":
      return versionNotAllowed(model);
    case "no_rule_matched":
      return noRoute(model);
    default:
      return assertNever(reason, "route failure");
  }
}

// What a client may fix (400) vs what the gateway could not get (5xx): an
// upstream 400/413/422 is about the request's content, so it stays a 400.
const CLIENT_FAULT_STATUSES = new Set([400, 413, 422]);

export function upstreamFailureError(failure: FinalFailure): GatewayError {
  switch (failure.kind) {
    case "timeout":
      return upstreamTimeout(failure.message);
    case "client_aborted":
      return clientClosedRequest(failure.message);
    case "network":
      return upstreamUnreachable(failure.message);
    case "http":
      if (failure.status === 429) return upstreamRateLimited(failure.message, failure.retryAfter);
      if (CLIENT_FAULT_STATUSES.has(failure.status)) return upstreamRejected(failure.message);
      return upstreamFailed(failure.status, failure.message);
    default:
      return assertNever(failure, "upstream failure");
  }
}
