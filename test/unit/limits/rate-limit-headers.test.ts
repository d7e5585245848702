import { describe, expect, it } from "vitest";
import { goDuration, rateLimitHeaders, refusalMessage } from "../../../src/limits/rate-limit-headers";

describe("goDuration", () => {
  it.each([
    [0, "0s"],
    [-5, "0s"],
    [0.2, "1ms"],
    [20, "20ms"],
    [999, "999ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [59_999, "59.999s"],
    [60_000, "1m0s"],
    [90_500, "1m30.5s"],
    [360_000, "6m0s"],
    [3_600_000, "1h0m0s"],
    [3_723_000, "1h2m3s"],
    [43_200_000, "12h0m0s"],
  ])("%d ms is %s", (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });
});

describe("rateLimitHeaders", () => {
  it("sends only the dimensions that are limited", () => {
    expect(rateLimitHeaders({ requests: null, tokens: null, refusal: null, leaseId: null })).toEqual({});
    expect(
      rateLimitHeaders({
        requests: { limit: 60, remaining: 59, resetMs: 60_000 },
        tokens: null,
        refusal: null,
        leaseId: null,
      }),
    ).toEqual({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-requests": "1m0s",
    });
  });

  it("adds retry-after in whole seconds (rounded up) and in ms on a refusal", () => {
    const refusal = { scope: "key" as const, kind: "tokens" as const, limit: 10, used: 12, retryAfterMs: 1_200.4 };
    const headers = rateLimitHeaders({
      requests: null,
      tokens: { limit: 10, remaining: 0, resetMs: 1_200.4 },
      refusal,
      leaseId: null,
    });
    expect(headers).toMatchObject({
      "retry-after": "2",
      "retry-after-ms": "1201",
      "x-ratelimit-reset-tokens": "1.201s",
    });
    expect(refusalMessage("acme", refusal)).toBe(
      "Rate limit reached for tokens per day (TPD) of this API key: Limit 10, Used 12. Please try again in 1.201s.",
    );
  });
});
