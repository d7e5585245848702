// The global flood guard (FLOOD_GUARD, the Rate Limiting binding): a tenant
// over its ceiling gets 429 rate_limit_exceeded with retry-after before the
// body is read, counted per tenant; a failing binding lets requests through
// (the tenant's own limits still apply); the real binding from wrangler.toml
// is there and admits ordinary traffic.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, chat } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

/** A stand-in binding that admits `allowed` requests per key, and records the keys it was asked about. */
function countingGuard(allowed: number) {
  const seen: string[] = [];
  const guard = {
    async limit({ key }: { key: string }) {
      seen.push(key);
      return { success: seen.filter((k) => k === key).length <= allowed };
    },
  };
  return { guard: guard as unknown as RateLimit, seen };
}

describe("flood guard", () => {
  it("refuses a tenant past the ceiling with 429 and retry-after, and counts each tenant apart", async () => {
    const { guard, seen } = countingGuard(2);
    const opts = { env: { FLOOD_GUARD: guard } };
    expect((await chat({ model: "support" }, opts)).response.status).toBe(200);
    expect((await chat({ model: "support" }, opts)).response.status).toBe(200);
    const refused = await chat({ model: "support" }, opts);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get("retry-after")).toBe("60");
    const { error } = await refused.response.json<{ error: Record<string, unknown> }>();
    expect(error).toMatchObject({ code: "rate_limit_exceeded", type: "requests", param: null });
    expect(error.message).toContain("tenant 'acme'");
    // globex has its own count.
    expect((await chat({ model: "tutoring" }, { ...opts, key: KEYS.globex })).response.status).toBe(200);
    expect(seen).toEqual(["acme", "acme", "acme", "globex"]);
  });

  it("answers before reading the body: an over-limit request with a broken body is still a 429", async () => {
    const { guard } = countingGuard(0);
    const refused = await call("/v1/chat/completions", "{not json", { env: { FLOOD_GUARD: guard } });
    expect(refused.response.status).toBe(429);
  });

  it("guards chat only, after authentication (no key: 401, never counted)", async () => {
    const { guard, seen } = countingGuard(0);
    const opts = { env: { FLOOD_GUARD: guard } };
    expect((await call("/v1/models", undefined, opts)).response.status).toBe(200);
    expect((await chat({ model: "support" }, { ...opts, key: null })).response.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it("fails open when the binding throws", async () => {
    const broken = { limit: async () => Promise.reject(new Error("binding down")) } as unknown as RateLimit;
    expect((await chat({ model: "support" }, { env: { FLOOD_GUARD: broken } })).response.status).toBe(200);
  });

  it("the real binding from wrangler.toml admits ordinary traffic", async () => {
    expect(env.FLOOD_GUARD).toBeDefined();
    expect(await env.FLOOD_GUARD.limit({ key: `guard-probe-${crypto.randomUUID()}` })).toEqual({ success: true });
    expect((await chat({ model: "support" })).response.status).toBe(200);
  });
});
