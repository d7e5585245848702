// The denial cache answers a refused key until exactly the limiter's retry
// time, only under the limits it was refused with, never for streams, and
// hands its local refusals back for counting.
import { describe, expect, it } from "vitest";
import { DenialCache, FLUSH_EVERY, MAX_DENIALS } from "../../../src/limits/denial-cache";
import type { Admission, Refusal } from "../../../src/limits/limit-types";

const tenantLimits = { requests_per_minute: 3 };
const sources = { tenant: tenantLimits, key: null };

function refused(refusal: Partial<Refusal> = {}): Admission {
  return {
    requests: { limit: 3, remaining: 0, resetMs: 50_000 },
    tokens: null,
    refusal: { scope: "key", kind: "requests", limit: 3, used: 3, retryAfterMs: 30_000, ...refusal },
    leaseId: null,
  };
}

describe("DenialCache", () => {
  it("answers until exactly the retry time, with the times counted down", () => {
    const cache = new DenialCache();
    cache.remember("t", "k", sources, refused(), 1_000);
    const hit = cache.check("t", "k", sources, 11_000);
    expect(hit?.refusal.retryAfterMs).toBe(20_000);
    expect(hit?.requests).toEqual({ limit: 3, remaining: 0, resetMs: 40_000 });
    expect(cache.check("t", "k", sources, 30_999)?.refusal.retryAfterMs).toBe(1);
    expect(cache.check("t", "k", sources, 31_000)).toBeNull();
  });

  it("misses for another key, tenant or limits object, and never remembers a stream refusal", () => {
    const cache = new DenialCache();
    cache.remember("t", "k", sources, refused(), 0);
    expect(cache.check("t", "other", sources, 1)).toBeNull();
    expect(cache.check("u", "k", sources, 1)).toBeNull();
    expect(cache.check("t", "k", { tenant: { ...tenantLimits }, key: null }, 1)).toBeNull();
    expect(cache.check("t", "k", { tenant: tenantLimits, key: {} }, 1)).toBeNull();
    cache.remember("t", "s", sources, refused({ kind: "streams", retryAfterMs: 1000 }), 0);
    expect(cache.check("t", "s", sources, 1)).toBeNull();
    expect(cache.remember("t", "ok", sources, { ...refused(), refusal: null }, 0)).toBeUndefined();
    expect(cache.check("t", "ok", sources, 1)).toBeNull();
  });

  it("hands back its refusals: every FLUSH_EVERY, all of them when forced or expired", () => {
    const cache = new DenialCache();
    cache.remember("t", "k", sources, refused({ scope: "tenant" }), 0);
    for (let i = 1; i < FLUSH_EVERY; i++) cache.check("t", "k", sources, i);
    expect(cache.take("t", "k", FLUSH_EVERY)).toBeNull();
    cache.check("t", "k", sources, FLUSH_EVERY);
    expect(cache.take("t", "k", FLUSH_EVERY)).toEqual({
      scope: "tenant",
      kind: "requests",
      count: FLUSH_EVERY,
      lastAt: FLUSH_EVERY,
    });
    cache.check("t", "k", sources, 200);
    expect(cache.take("t", "k", 201, true)).toMatchObject({ count: 1, lastAt: 200 });
    cache.check("t", "k", sources, 300);
    expect(cache.take("t", "k", 30_000)).toMatchObject({ count: 1 }); // expired: taken and dropped
    expect(cache.size).toBe(0);
    expect(cache.take("t", "k", 30_001, true)).toBeNull();
  });

  it("keeps at most MAX_DENIALS keys, dropping the oldest", () => {
    const cache = new DenialCache();
    for (let i = 0; i <= MAX_DENIALS; i++) cache.remember("t", `k${i}`, sources, refused(), 0);
    expect(cache.size).toBe(MAX_DENIALS);
    expect(cache.check("t", "k0", sources, 1)).toBeNull();
    expect(cache.check("t", `k${MAX_DENIALS}`, sources, 1)).not.toBeNull();
  });
});
