import { describe, expect, it } from "vitest";
import { routeFailureError, upstreamFailureError } from "../../../src/chat/chat-errors";
import type { FinalFailure } from "../../../src/providers/call-with-fallback";
import type { RouteFailure } from "../../../src/routing/resolve";

describe("routeFailureError", () => {
  it.each<[RouteFailure, number, string]>([
    ["task_not_found", 404, "model_not_found"],
    ["version_not_allowed", 400, "version_not_allowed"],
    ["no_rule_matched", 400, "no_route"],
  ])("maps %s to %i %s naming model", (reason, status, code) => {
    const error = routeFailureError(reason, "support@v9");
    expect({ status: error.status, code: error.code, param: error.param }).toEqual({ status, code, param: "model" });
    expect(error.message).toContain("support@v9");
  });

  it("refuses a reason the types do not know instead of defaulting", () => {
    expect(() => routeFailureError("something_new" as RouteFailure, "m")).toThrow(/unexpected route failure/);
  });
});

describe("upstreamFailureError", () => {
  const http = (status: number, retryAfter: string | null = null): FinalFailure => ({
    kind: "http",
    status,
    message: "boom",
    upstreamType: null,
    retryAfter,
  });

  it.each<[string, FinalFailure, number, string]>([
    ["a timeout", { kind: "timeout", message: "slow" }, 504, "upstream_timeout"],
    ["a client that left", { kind: "client_aborted", message: "gone" }, 499, "client_closed_request"],
    ["a network error", { kind: "network", message: "refused" }, 502, "upstream_unreachable"],
    ["an upstream 429", http(429), 429, "rate_limit_exceeded"],
    ["an upstream 400", http(400), 400, "upstream_rejected"],
    ["an upstream 413", http(413), 400, "upstream_rejected"],
    ["an upstream 422", http(422), 400, "upstream_rejected"],
    ["an upstream 500", http(500), 502, "upstream_error"],
    ["an upstream 404", http(404), 502, "upstream_error"],
  ])("maps %s to %i %s", (_, failure, status, code) => {
    const error = upstreamFailureError(failure);
    expect([error.status, error.code]).toEqual([status, code]);
  });

  it("passes the upstream's retry-after on", () => {
    expect(upstreamFailureError(http(429, "7")).headers).toEqual({ "retry-after": "7" });
    expect(upstreamFailureError(http(429)).headers).toEqual({});
  });
});
