// Weighted splits over many synthetic users land on their weights, and a user
// keeps their version across independent compiles (as in another isolate or
// after a restart).
import { describe, expect, it } from "vitest";
import { resolveRoute } from "../../../src/routing/resolve";
import { compileValid, demoManifest, fixtureManifest } from "./fixture-manifest";

const USERS = 100_000;

function shares(
  snapshot: ReturnType<typeof compileValid>,
  model: string,
  key: (i: number) => { user?: string; requestId: string },
) {
  const counts = new Map<string, number>();
  for (let i = 0; i < USERS; i++) {
    const r = resolveRoute(snapshot, { model, ...key(i) });
    if (!r.ok) throw new Error(r.reason);
    const v = r.primary.adapter.version;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].map(([v, n]) => [v, (100 * n) / USERS]));
}

describe("weighted split", () => {
  it("acme support 90/10 over 100,000 users is within ±1 point", () => {
    const s = shares(compileValid(demoManifest("acme")), "support", (i) => ({ user: `user-${i}`, requestId: "r" }));
    expect(Math.abs(s["support-v1"] - 90)).toBeLessThanOrEqual(1);
    expect(Math.abs(s["support-v2"] - 10)).toBeLessThanOrEqual(1);
  });

  it("a three-way 50/30/20 split with a zero-weight entry, keyed by request id", () => {
    const m = fixtureManifest();
    m.tasks[0].rules[4].target = {
      split: [
        { version: "a-v1", weight: 5 },
        { version: "a-v3", weight: 0 },
        { version: "a-v2", weight: 3 },
        { version: "c-v1", weight: 2 },
      ],
    };
    const s = shares(compileValid(m), "chat", (i) => ({ requestId: `01J${i.toString(36).padStart(8, "0")}` }));
    expect(s["a-v3"]).toBeUndefined();
    expect(Math.abs(s["a-v1"] - 50)).toBeLessThanOrEqual(1);
    expect(Math.abs(s["a-v2"] - 30)).toBeLessThanOrEqual(1);
    expect(Math.abs(s["c-v1"] - 20)).toBeLessThanOrEqual(1);
  });

  it("is sticky: the same user gets the same version from independent compiles", () => {
    const first = compileValid(demoManifest("acme"), 1);
    const second = compileValid(demoManifest("acme"), 2);
    for (let i = 0; i < 2000; i++) {
      const facts = { model: "support", user: `customer-${i}` };
      const a = resolveRoute(first, { ...facts, requestId: `a-${i}` });
      const b = resolveRoute(second, { ...facts, requestId: `b-${i}` });
      expect(a.ok && b.ok && a.primary.adapter.version === b.primary.adapter.version).toBe(true);
    }
  });

  it("moves only the users in the slice that changed when weights change", () => {
    const before = compileValid(demoManifest("acme"));
    const changed = demoManifest("acme") as { tasks: { rules: { target: unknown }[] }[] };
    changed.tasks[0].rules[2].target = {
      split: [
        { version: "support-v1", weight: 80 },
        { version: "support-v2", weight: 20 },
      ],
    };
    const after = compileValid(changed);
    for (let i = 0; i < 5000; i++) {
      const facts = { model: "support", user: `user-${i}`, requestId: "r" };
      const a = resolveRoute(before, facts);
      const b = resolveRoute(after, facts);
      // Growing v2's slice may move v1 users to v2, never v2 users to v1.
      if (a.ok && a.primary.adapter.version === "support-v2")
        expect(b.ok && b.primary.adapter.version).toBe("support-v2");
    }
  });
});
