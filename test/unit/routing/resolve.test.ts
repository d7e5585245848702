import { describe, expect, it } from "vitest";
import { resolveRoute, type RouteFacts, type RouteResult } from "../../../src/routing/resolve";
import { compileValid, fixtureManifest } from "./fixture-manifest";

const snap = compileValid(fixtureManifest());

type Facts = Omit<RouteFacts, "requestId"> & { requestId?: string };
const resolve = (facts: Facts): RouteResult => resolveRoute(snap, { requestId: "req-1", ...facts });

/** Versions as strings, so failures read well. */
function summary(r: RouteResult) {
  return r.ok
    ? {
        rule: r.rule,
        primary: r.primary.adapter.version,
        fallbacks: r.fallbacks.map((t) => t.adapter.version),
        pinned: r.pinned,
      }
    : { reason: r.reason };
}

/** The first synthetic user the chat default split sends to `version`. */
function userOn(version: string, facts: Facts = { model: "chat" }): string {
  for (let i = 0; i < 10_000; i++) {
    const r = resolve({ ...facts, user: `user-${i}` });
    if (r.ok && r.rule === "default" && r.primary.adapter.version === version) return `user-${i}`;
  }
  throw new Error(`no user lands on ${version}`);
}
const onV1 = userOn("a-v1");
const onV2 = userOn("a-v2");

describe("resolveRoute: predicates and rule order", () => {
  const rows: { name: string; facts: Facts; rule: string; primary: string; fallbacks: string[] }[] = [
    {
      name: "equals matches",
      facts: { model: "chat", user: onV1, metadata: { tier: "vip" } },
      rule: "vip",
      primary: "a-v3",
      fallbacks: ["a-v1"],
    },
    {
      name: "equals is exact (case)",
      facts: { model: "chat", user: onV1, metadata: { tier: "VIP" } },
      rule: "default",
      primary: "a-v1",
      fallbacks: ["b-v1", "edge-v1"],
    },
    {
      name: "prefix matches",
      facts: { model: "chat", user: "staff-7" },
      rule: "staff",
      primary: "a-v2",
      fallbacks: ["b-v1", "a-v1"],
    },
    {
      name: "prefix needs the fact",
      facts: { model: "chat", user: onV2 },
      rule: "default",
      primary: "a-v2",
      fallbacks: ["b-v1", "a-v1", "edge-v1"],
    },
    {
      name: "rule order: first match wins",
      facts: { model: "chat", user: "staff-7", metadata: { tier: "vip" } },
      rule: "vip",
      primary: "a-v3",
      fallbacks: ["a-v1"],
    },
    {
      name: "in + exists: all conditions hold",
      facts: { model: "chat", user: onV1, audience: "tester", metadata: { beta: "" } },
      rule: "beta",
      primary: "a-v2",
      fallbacks: ["a-v3"],
    },
    {
      name: "in: value not listed",
      facts: { model: "chat", user: onV1, audience: "customer", metadata: { beta: "1" } },
      rule: "default",
      primary: "a-v1",
      fallbacks: ["b-v1", "edge-v1"],
    },
    {
      name: "exists: key missing",
      facts: { model: "chat", user: onV1, audience: "developer", metadata: {} },
      rule: "default",
      primary: "a-v1",
      fallbacks: ["b-v1", "edge-v1"],
    },
    {
      name: "region in",
      facts: { model: "chat", user: onV1, region: "eu-central" },
      rule: "eu",
      primary: "edge-v1",
      fallbacks: ["a-v1"],
    },
    {
      name: "region absent",
      facts: { model: "chat", user: onV1 },
      rule: "default",
      primary: "a-v1",
      fallbacks: ["b-v1", "edge-v1"],
    },
    { name: "exists false: no user", facts: { model: "strict" }, rule: "guest", primary: "d-v1", fallbacks: [] },
    {
      name: "exists false fails, next rule",
      facts: { model: "strict", user: "u", metadata: { member: "yes" } },
      rule: "members",
      primary: "c-v1",
      fallbacks: [],
    },
    {
      name: "inherited metadata keys are absent",
      facts: { model: "proto", metadata: {} },
      rule: "default",
      primary: "d-v1",
      fallbacks: [],
    },
    {
      name: "own metadata key is present",
      facts: { model: "proto", metadata: { constructor: "x" } },
      rule: "has-ctor",
      primary: "c-v1",
      fallbacks: [],
    },
    {
      name: "zero-weight split entry is never chosen",
      facts: { model: "dyn", user: "anyone" },
      rule: "default",
      primary: "d-v1",
      fallbacks: ["b-v1", "a-v1"],
    },
  ];
  it.each(rows)("$name", ({ facts, rule, primary, fallbacks }) => {
    expect(summary(resolve(facts))).toEqual({ rule, primary, fallbacks, pinned: false });
  });
});

describe("resolveRoute: failures", () => {
  it.each([
    { model: "nope", reason: "task_not_found" },
    { model: "", reason: "task_not_found" },
    { model: "@a-v1", reason: "task_not_found" },
    { model: "strict", user: "u", reason: "no_rule_matched" },
    { model: "closed@c-v1", reason: "version_not_allowed" },
    { model: "chat@zzz", reason: "version_not_allowed" },
    { model: "chat@", reason: "version_not_allowed" },
    // b-v1 is reachable from chat only through task:faq, which does not make it pinnable.
    { model: "chat@b-v1", reason: "version_not_allowed" },
  ])("$model -> $reason", ({ reason, ...facts }) => {
    expect(summary(resolve(facts))).toEqual({ reason });
  });
});

describe("resolveRoute: pinning", () => {
  it.each([
    {
      name: "a split version; chain of the default rule minus it",
      facts: { model: "chat@a-v2", user: onV1 },
      primary: "a-v2",
      fallbacks: ["b-v1", "a-v1", "edge-v1"],
    },
    {
      name: "a version named only in a fallback",
      facts: { model: "chat@edge-v1", user: onV1 },
      primary: "edge-v1",
      fallbacks: ["b-v1", "a-v1"],
    },
    {
      name: "chain of the first matching rule",
      facts: { model: "chat@a-v3", metadata: { tier: "vip" } },
      primary: "a-v3",
      fallbacks: ["a-v1"],
    },
    {
      name: "the pinned version leaves the chain",
      facts: { model: "chat@a-v1", metadata: { tier: "vip" } },
      primary: "a-v1",
      fallbacks: [],
    },
    {
      name: "request-dependent chain",
      facts: { model: "dyn@d-v1", user: onV2, audience: "developer" },
      primary: "d-v1",
      fallbacks: ["a-v2", "b-v1", "a-v1", "edge-v1"],
    },
  ])("$name", ({ facts, primary, fallbacks }) => {
    expect(summary(resolve(facts))).toEqual({ rule: "pinned", primary, fallbacks, pinned: true });
  });
});

describe("resolveRoute: fallback chains", () => {
  it("expands task: to the task's primary and then its own fallbacks, in order", () => {
    // chat/default: [task:faq, edge-v1] -> faq primary b-v1, faq fallback a-v1, edge-v1.
    expect(summary(resolve({ model: "chat", user: onV2 }))).toMatchObject({ fallbacks: ["b-v1", "a-v1", "edge-v1"] });
  });

  it("drops the chosen primary and duplicates", () => {
    expect(summary(resolve({ model: "chat", user: onV1 }))).toMatchObject({
      primary: "a-v1",
      fallbacks: ["b-v1", "edge-v1"],
    });
    expect(summary(resolve({ model: "chat", user: "staff-1" }))).toMatchObject({ fallbacks: ["b-v1", "a-v1"] });
  });

  it("expands a request-dependent task: with the same facts", () => {
    // dyn/dev falls back to task:chat, whose rule depends on the request.
    expect(summary(resolve({ model: "dyn", audience: "developer", user: onV2 }))).toEqual({
      rule: "dev",
      primary: "c-v1",
      fallbacks: ["a-v2", "b-v1", "a-v1", "edge-v1"],
      pinned: false,
    });
    expect(
      summary(resolve({ model: "dyn", audience: "developer", user: "x", metadata: { tier: "vip" } })),
    ).toMatchObject({
      fallbacks: ["a-v3", "a-v1"],
    });
  });

  it("attaches the upstream to every target", () => {
    const r = resolve({ model: "chat", region: "eu-west" });
    expect(r.ok && r.primary.upstream).toMatchObject({ id: "ai", kind: "workers-ai" });
    expect(r.ok && r.fallbacks[0].upstream).toMatchObject({ id: "up", base_url: "http://127.0.0.1:8788/v1" });
  });
});

describe("resolveRoute: split stickiness", () => {
  const version = (facts: Facts) => {
    const r = resolve(facts);
    if (!r.ok) throw new Error(r.reason);
    return r.primary.adapter.version;
  };

  it("keys on the user, whatever the request id", () => {
    for (const requestId of ["r1", "r2", "r3", "r4"])
      expect(version({ model: "chat", user: onV2, requestId })).toBe("a-v2");
  });

  it("keys on the request id when there is no user (or an empty one)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const requestId = `req-${i}`;
      const v = version({ model: "chat", requestId });
      expect(version({ model: "chat", requestId })).toBe(v);
      expect(version({ model: "chat", requestId, user: "" })).toBe(v);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual(["a-v1", "a-v2"]);
  });
});
