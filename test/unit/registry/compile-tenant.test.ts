import { describe, expect, it } from "vitest";
import { compileTenant } from "../../../src/registry/compile-tenant";
import { shared, sharedCount } from "../../../src/routing/shared-strings";
import { stickySeed } from "../../../src/routing/sticky-hash";
import { lookupPreset } from "../../../src/tone/lookup-preset";
import { validateManifest } from "../../../src/registry/validate-manifest";
import type { Manifest } from "../../../src/schemas/manifest";
import { compileValid, demoManifest, fixtureManifest } from "../routing/fixture-manifest";

function parsed(input: unknown): Manifest {
  const result = validateManifest(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.manifest;
}

describe("compileTenant", () => {
  it("indexes upstreams, adapter versions (with their upstream) and tasks", () => {
    const snap = compileValid(fixtureManifest(), 7);
    expect(snap.tenant).toBe("shop");
    expect(snap.displayName).toBe("shop");
    expect(snap.manifestVersion).toBe(7);
    expect(snap.compiledAt).toBe(0);
    expect([...snap.upstreams.keys()]).toEqual(["up", "ai"]);
    expect(snap.adapters.get("edge-v1")!.upstream).toBe(snap.upstreams.get("ai"));
    expect(snap.adapters.get("a-v1")!.adapter.served_name).toBe("shop-a-v1");
    expect([...snap.tasks.keys()]).toEqual(["chat", "faq", "dyn", "strict", "proto", "closed"]);
  });

  it("records which versions a task may pin: those its rules name", () => {
    const chat = compileValid(fixtureManifest()).tasks.get("chat")!;
    expect([...chat.versions.keys()].sort()).toEqual(["a-v1", "a-v2", "a-v3", "edge-v1"]);
  });

  it("turns splits into cumulative weights", () => {
    const rule = compileValid(fixtureManifest()).tasks.get("dyn")!.rules[1];
    expect(rule.cumulative).toEqual([0, 1]);
    expect(rule.totalWeight).toBe(1);
  });

  it("flattens fallback chains that do not depend on the request, one per possible primary", () => {
    const snap = compileValid(fixtureManifest());
    const v = (list: readonly { adapter: { version: string } }[] | null | undefined) =>
      list?.map((t) => t.adapter.version);
    const chatDefault = snap.tasks.get("chat")!.rules[4];
    expect(chatDefault.steps).toEqual([]);
    expect(chatDefault.chainFor!.map(v)).toEqual([
      ["b-v1", "edge-v1"],
      ["b-v1", "a-v1", "edge-v1"],
    ]);
    // a-v2 is not in the chain, so its entry is the full chain itself.
    expect(chatDefault.chainFor![1]).toBe(chatDefault.fullChain);
    // task:chat depends on the request (its first rule has a condition).
    const dynDev = snap.tasks.get("dyn")!.rules[0];
    expect(dynDev.chainFor).toBeNull();
    expect(dynDev.steps.map((s) => s.kind)).toEqual(["task"]);
  });

  it("repeats the first two arms of a rule on the rule object, and lays each task out as a match table", () => {
    const snap = compileValid(fixtureManifest());
    const split = snap.tasks.get("chat")!.rules[4];
    expect(split).toMatchObject({ arms: 2, cut: 50, totalWeight: 100 });
    expect(split.first).toBe(split.targets[0]);
    expect(split.second).toBe(split.targets[1]);
    expect(split.firstChain).toBe(split.chainFor![0]);
    expect(split.secondChain).toBe(split.chainFor![1]);
    const plain = snap.tasks.get("faq")!.rules[0];
    expect(plain).toMatchObject({ arms: 1, second: null, secondChain: null });
    expect(plain.first.adapter.version).toBe("b-v1");
    expect(plain.firstChain).toBe(plain.chainFor![0]);
    // A chain that depends on the request has no static entry.
    expect(snap.tasks.get("dyn")!.rules[0].firstChain).toBeNull();
    expect(split.seed).toBe(stickySeed("shop", "chat", "default") | 0);
    const chat = snap.tasks.get("chat")!;
    expect(chat.match.filter((slot) => chat.rules.includes(slot as never))).toEqual(chat.rules);
    expect(Object.isFrozen(chat.match)).toBe(true);
  });

  it("keeps one array for equal lists within a snapshot, and none empty of its own", () => {
    const snap = compileValid(fixtureManifest());
    const [vip, , , eu] = snap.tasks.get("chat")!.rules;
    const faq = snap.tasks.get("faq")!.rules[0];
    // All three fall back to [a-v1] alone.
    expect(vip.fullChain!.map((t) => t.adapter.version)).toEqual(["a-v1"]);
    expect(eu.fullChain).toBe(vip.fullChain);
    expect(faq.fullChain).toBe(vip.fullChain);
    expect(eu.fullChain).not.toBe(snap.tasks.get("chat")!.rules[1].fullChain);
    // No fallback at all: the shared empty array.
    const strict = snap.tasks.get("strict")!.rules;
    expect(strict[0].fullChain).toEqual([]);
    expect(strict[0].fullChain).toBe(compileValid(fixtureManifest()).tasks.get("strict")!.rules[1].fullChain);
  });

  it("is immutable and independent of the manifest object it came from", () => {
    const manifest = parsed(fixtureManifest());
    const snap = compileTenant(manifest, { manifestVersion: 1, compiledAt: 0 });
    manifest.tasks[0].rules[0].target = "a-v1";
    manifest.adapters[0].served_name = "changed";
    manifest.upstreams[0].timeout_ms = 1;
    expect(snap.tasks.get("chat")!.rules[0].first.adapter.version).toBe("a-v3");
    expect(snap.adapters.get("a-v1")!.adapter.served_name).toBe("shop-a-v1");
    expect(snap.upstreams.get("up")!.timeout_ms).toBe(30000);
    expect(Object.isFrozen(snap)).toBe(true);
    expect(Object.isFrozen(snap.tasks.get("chat")!.rules[0])).toBe(true);
    expect(Object.isFrozen(snap.adapters.get("a-v1")!.upstream)).toBe(true);
    expect(Object.isFrozen(snap.adapters.get("a-v1")!.adapter)).toBe(true);
  });

  it("keeps the manifest's limits as written, frozen; null without them", () => {
    expect(compileValid(fixtureManifest()).manifestLimits).toBeNull();
    const m = fixtureManifest() as Record<string, unknown>;
    m.limits = { requests_per_minute: 60, per_key: { requests_per_minute: 10 } };
    const snap = compileValid(m);
    expect(snap.manifestLimits).toEqual(m.limits);
    expect(Object.isFrozen(snap.manifestLimits!.per_key)).toBe(true);
  });

  it("shares strings between tenants through a bounded table, leaving out what is unique to a tenant", () => {
    compileValid(fixtureManifest());
    const before = sharedCount();
    const other = fixtureManifest();
    other.tenant = "mall";
    other.adapters.forEach((x) => (x.served_name = `mall-${x.version}`));
    const b = compileValid(other);
    // Another tenant id and other served names: nothing new in the table.
    expect(sharedCount()).toBe(before);
    expect(b.adapters.get("a-v1")!.servedName).toBe("mall-a-v1");
    expect(shared("x".repeat(3))).toBe("xxx");
    for (let i = 0; i < 10_000; i++) shared(`unique-${i}`);
    expect(sharedCount()).toBeLessThanOrEqual(8192);
  });

  it("throws on references a validated manifest cannot have", () => {
    const manifest = structuredClone(parsed(fixtureManifest()));
    manifest.tasks[0].rules[0].target = "ghost";
    expect(() => compileTenant(manifest, { manifestVersion: 1, compiledAt: 0 })).toThrow(
      /unknown adapter version ghost/,
    );
  });
});

describe("tone presets of a compiled tenant", () => {
  const acme = compileValid(demoManifest("acme"));
  it.each([
    { task: "billing", audience: "customer", preset: "billing-customer", why: "task + audience first" },
    { task: "support", audience: "customer", preset: "customer", why: "then tenant + audience" },
    { task: "billing", audience: "developer", preset: "developer", why: "task has no preset for it" },
    { task: "support", audience: "partner", preset: "default", why: "then the tenant default" },
    { task: "support", audience: undefined, preset: "default", why: "no audience: tenant default" },
    { task: "unknown", audience: "executive", preset: "executive", why: "unknown task: tenant level" },
  ])("$task/$audience -> $preset ($why)", ({ task, audience, preset }) => {
    expect(lookupPreset(acme.tone, task, audience ?? null)?.preset.name).toBe(preset);
  });

  it("is null when nothing applies", () => {
    expect(lookupPreset(compileValid(fixtureManifest()).tone, "chat", "customer")).toBeNull();
  });
});
