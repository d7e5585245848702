// Replica choice as the pool makes it per request: the compiled target's own
// fields (compileTarget), the integer keys that let order() skip string
// lookups, and that skipping them never changes the answer.
import { describe, expect, it } from "vitest";
import { compileTarget } from "../../../src/registry/compile-tenant";
import type { AdapterTarget } from "../../../src/routing/compiled";
import type { Adapter, Upstream } from "../../../src/schemas/manifest";
import { DEFAULT_BREAKER } from "../../../src/upstreams/breaker";
import { leadWith } from "../../../src/upstreams/choose-replicas";
import { Inventory } from "../../../src/upstreams/inventory";
import { healthKey, inventoryKey } from "../../../src/upstreams/replica-keys";
import { createUpstreamPool } from "../../../src/upstreams/upstream-pool";

const URLS = ["http://r1/v1", "http://r2/v1", "http://r3/v1"];
const upstream = (over: Partial<Upstream> = {}): Upstream =>
  Object.freeze({
    id: "vllm",
    kind: "openai-compatible",
    dialect: "vllm",
    replicas: URLS,
    timeout_ms: 1000,
    ...over,
  }) as Upstream;
const adapter = (served: string): Adapter =>
  Object.freeze({ name: "a", version: `${served}-v`, upstream: "vllm", base_model: "m", served_name: served });

function pool() {
  let now = 1_000;
  const p = createUpstreamPool({ clock: { nowMs: () => now, monotonicMs: () => now } });
  return { p, advance: (ms: number) => (now += ms) };
}

const fail = (p: ReturnType<typeof pool>["p"], tenant: string, t: AdapterTarget, url: string, times = 3) => {
  for (let i = 0; i < times; i++) p.report(tenant, t, url, "failure", "503");
};

describe("replica keys", () => {
  it("are deterministic 30-bit integers", () => {
    for (const k of [inventoryKey("acme-support-v3"), healthKey("acme", "vllm"), inventoryKey(""), healthKey("", "")]) {
      expect(Number.isInteger(k)).toBe(true);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(2 ** 30);
    }
    expect(inventoryKey("acme-support-v3")).toBe(inventoryKey("acme-support-v3"));
    expect(healthKey("acme", "vllm")).toBe(healthKey("acme", "vllm"));
  });

  it("keep tenant and upstream apart", () => {
    expect(healthKey("ab", "c")).not.toBe(healthKey("a", "bc"));
    expect(healthKey("acme", "vllm")).not.toBe(healthKey("globex", "vllm"));
    expect(inventoryKey("t-a-v1")).not.toBe(inventoryKey("t-a-v2"));
  });
});

describe("compileTarget", () => {
  it("keeps what replica choice reads on the target itself", () => {
    const u = upstream({ replicas: ["http://r1/v1/", "http://r2/v1"] });
    const t = compileTarget("acme", adapter("acme-a"), u);
    expect(t).toMatchObject({ tenant: "acme", servedName: "acme-a", upstreamId: "vllm" });
    expect(t.inventoryKey).toBe(inventoryKey("acme-a"));
    expect(t.healthKey).toBe(healthKey("acme", "vllm"));
    expect([...t.replicas].sort()).toEqual(["http://r1/v1", "http://r2/v1"]);
    expect(t.breaker).toBe(DEFAULT_BREAKER);
    expect(Object.isFrozen(t)).toBe(true);
  });

  it("takes the upstream's own breaker settings", () => {
    const t = compileTarget("acme", adapter("acme-a"), upstream({ breaker: { failures: 5, cooldown_ms: 2000 } }));
    expect(t.breaker).toEqual({ failures: 5, cooldownMs: 2000 });
  });

  it("has no replicas for Workers AI", () => {
    const ai = Object.freeze({ id: "vllm", kind: "workers-ai" }) as Upstream;
    expect(compileTarget("acme", adapter("acme-a"), ai).replicas).toEqual([]);
  });

  it("refuses an upstream the adapter does not name", () => {
    expect(() => compileTarget("acme", adapter("acme-a"), upstream({ id: "other" }))).toThrow(
      /served by vllm, not other/,
    );
  });
});

describe("leadWith", () => {
  const ranked = Object.freeze(["r1", "r2", "r3"]);
  it("no holder, or the first one: the ranked array itself", () => {
    expect(leadWith(ranked, -1)).toBe(ranked);
    expect(leadWith(ranked, 0)).toBe(ranked);
    expect(leadWith([], -1)).toEqual([]);
  });
  it("a holder further down leads, the rest keep their rank", () => {
    expect(leadWith(ranked, 2)).toEqual(["r3", "r1", "r2"]);
    expect(leadWith(ranked, 1)).toEqual(["r2", "r1", "r3"]);
  });
});

describe("Inventory keys", () => {
  const inv = () => new Inventory(() => 0, 1000);

  it("holds a name once noted, and not after it goes missing", () => {
    const i = inv();
    expect(i.holds(URLS[0], "x")).toBe(false);
    i.noteHeld(URLS[0], "x");
    i.noteHeld(URLS[0], "y");
    expect(i.holds(URLS[0], "x")).toBe(true);
    expect(i.holds(URLS[0], "x", inventoryKey("x"))).toBe(true);
    expect(i.holds(URLS[1], "x")).toBe(false);
    i.noteMissing(URLS[0], "x");
    expect(i.holds(URLS[0], "x")).toBe(false);
    expect(i.holds(URLS[0], "y")).toBe(true);
    expect(i.get(URLS[0]).keys).toEqual(new Set([inventoryKey("y")]));
  });

  it("a key is only a filter: a present key with another name is not a hold", () => {
    const i = inv();
    i.noteHeld(URLS[0], "x");
    expect(i.holds(URLS[0], "z", inventoryKey("x"))).toBe(false);
    // and a missing key answers no even for a held name
    expect(i.holds(URLS[0], "x", inventoryKey("x") ^ 1)).toBe(false);
  });

  it("firstHolder: the first of the given replicas holding the name, -1 for none", () => {
    const i = inv();
    expect(i.firstHolder(URLS, "x", inventoryKey("x"))).toBe(-1);
    i.noteHeld(URLS[2], "x");
    expect(i.firstHolder(URLS, "x", inventoryKey("x"))).toBe(2);
    i.noteHeld(URLS[1], "x");
    expect(i.firstHolder(URLS, "x", inventoryKey("x"))).toBe(1);
    expect(i.firstHolder(URLS, "y", inventoryKey("y"))).toBe(-1);
    expect(i.firstHolder([], "x", inventoryKey("x"))).toBe(-1);
  });

  it("noting a name missing on a replica it was never seen on changes nothing", () => {
    const i = inv();
    i.noteMissing(URLS[0], "x");
    expect(i.holds(URLS[0], "x")).toBe(false);
  });
});

describe("UpstreamPool.order", () => {
  const target = compileTarget("acme", adapter("acme-a"), upstream());

  it("with every circuit closed and nothing held: the compiled order itself", () => {
    const { p } = pool();
    expect(p.order("acme", target)).toBe(target.replicas);
    p.report("acme", target, target.replicas[0], "ok");
    expect(p.order("acme", target)).toBe(target.replicas);
  });

  it("a replica that holds the version leads", () => {
    const { p } = pool();
    p.inventory.noteHeld(target.replicas[2], "acme-a");
    expect(p.order("acme", target)).toEqual([target.replicas[2], target.replicas[0], target.replicas[1]]);
  });

  it("leaves out an open circuit until it closes again", () => {
    const { p, advance } = pool();
    const [r0, r1, r2] = target.replicas;
    fail(p, "acme", target, r1, 2);
    expect(p.order("acme", target)).toBe(target.replicas);
    fail(p, "acme", target, r1, 1);
    expect(p.order("acme", target)).toEqual([r0, r2]);
    // Past the cool-down it may be probed; a success closes it and the fast path is back.
    advance(DEFAULT_BREAKER.cooldownMs);
    expect(p.order("acme", target)).toEqual([r0, r1, r2]);
    expect(p.admit("acme", target, r1)).toBe(true);
    expect(p.order("acme", target)).toEqual([r0, r2]);
    p.report("acme", target, r1, "ok");
    expect(p.order("acme", target)).toBe(target.replicas);
  });

  it("a released probe leaves the circuit open but probe-able", () => {
    const { p, advance } = pool();
    const [r0, r1, r2] = target.replicas;
    fail(p, "acme", target, r1);
    advance(DEFAULT_BREAKER.cooldownMs);
    expect(p.admit("acme", target, r1)).toBe(true);
    p.report("acme", target, r1, "neutral");
    expect(p.order("acme", target)).toEqual([r0, r1, r2]);
    expect(p.breaker("acme", "vllm", r1).state).toBe("open");
  });

  it("keeps tenants apart, also when asked for a tenant other than the target's", () => {
    const { p } = pool();
    const [r0, r1, r2] = target.replicas;
    fail(p, "globex", target, r0);
    expect(p.order("globex", target)).toEqual([r1, r2]);
    expect(p.order("acme", target)).toBe(target.replicas);
    const globex = compileTarget("globex", adapter("acme-a"), upstream());
    expect(p.order("globex", globex)).toEqual([r1, r2]);
  });

  it("another upstream whose key collides does not change the answer", () => {
    const { p } = pool();
    const [r0, r1, r2] = target.replicas;
    expect(p.order("acme", target)).toBe(target.replicas);
    // A target of another tenant that happens to share acme's key.
    const other: AdapterTarget = {
      ...compileTarget("globex", adapter("g-a"), upstream()),
      healthKey: target.healthKey,
    };
    fail(p, "globex", other, r0);
    expect(p.order("globex", other)).toEqual(other.replicas.filter((u) => u !== r0));
    // acme's key now looks unsettled, so it takes the exact lookup, which finds no breaker of its own.
    expect(p.order("acme", target)).toEqual([r0, r1, r2]);
    fail(p, "acme", target, r2);
    p.report("globex", other, r0, "ok");
    expect(p.order("acme", target)).toEqual([r0, r1]);
  });
});
