// Where a rollout lives in a manifest and how it moves there; and, through
// the real snapshot compiler and router, that a user on the candidate stays
// there as the share grows.
import { describe, expect, it } from "vitest";
import { validateManifest } from "../../../src/registry/validate-manifest";
import { resolveRoute } from "../../../src/routing/resolve";
import {
  defaultBaseline,
  findRolloutRule,
  rulesOf,
  sameRules,
  targetFor,
  withShare,
} from "../../../src/rollouts/split-rule";
import type { Manifest } from "../../../src/schemas/manifest";
import { compileValid, demoManifest } from "../routing/fixture-manifest";

const acme = () => {
  const checked = validateManifest(demoManifest("acme"));
  if (!checked.ok) throw new Error("demo manifest invalid");
  return checked.manifest;
};
const placement = { task: "support", rule: "default", baseline: "support-v1", candidate: "support-v2" };

describe("findRolloutRule", () => {
  it("takes the task's last rule without `when` by default", () => {
    const found = findRolloutRule(acme(), "support");
    expect(found.ok && found.rule.id).toBe("default");
  });

  it.each([
    ["an unknown task", "nope", undefined, "task"],
    ["an unknown rule", "support", "nope", "rule"],
  ])("names the field for %s", (_what, task, rule, param) => {
    const found = findRolloutRule(acme(), task, rule);
    expect(found).toMatchObject({ ok: false, param });
  });

  it("asks for a rule when every rule has a condition", () => {
    const m = acme();
    m.tasks[0].rules = m.tasks[0].rules.filter((r) => r.when !== undefined);
    expect(findRolloutRule(m, "support")).toMatchObject({ ok: false, param: "rule" });
    expect(findRolloutRule(m, "support", "enterprise")).toMatchObject({ ok: true });
  });
});

describe("defaultBaseline", () => {
  it("is the heaviest other version of a split, or the plain target", () => {
    const rule = findRolloutRule(acme(), "support");
    if (!rule.ok) throw new Error();
    expect(defaultBaseline(rule.rule, "support-v2")).toBe("support-v1");
    expect(defaultBaseline(rule.rule, "support-v1")).toBe("support-v2");
    expect(defaultBaseline({ id: "r", target: "x-v1" }, "x-v2")).toBe("x-v1");
    expect(defaultBaseline({ id: "r", target: "x-v1" }, "x-v1")).toBeUndefined();
  });
});

describe("targetFor and withShare", () => {
  it.each([
    [0, "support-v1"],
    [100, "support-v2"],
    [
      25,
      {
        split: [
          { version: "support-v2", weight: 25 },
          { version: "support-v1", weight: 75 },
        ],
      },
    ],
  ])("at %s%% is %j", (share, target) => {
    expect(targetFor(placement, share)).toEqual(target);
  });

  it("moves only the rollout's rule, leaves the input alone, and stays a valid manifest", () => {
    const before = acme();
    const after = withShare(before, placement, 5)!;
    expect(validateManifest(after).ok).toBe(true);
    expect(before.tasks[0].rules[2].target).toEqual({
      split: [
        { version: "support-v1", weight: 90 },
        { version: "support-v2", weight: 10 },
      ],
    });
    const changed = (m: Manifest) =>
      m.tasks.map((t) => t.rules.filter((r) => r.id !== "default" || t.name !== "support"));
    expect(changed(after)).toEqual(changed(before));
    expect(sameRules(rulesOf(after, "support"), rulesOf(before, "support"))).toBe(false);
    expect(sameRules(rulesOf(structuredClone(after), "support"), rulesOf(after, "support"))).toBe(true);
  });

  it("is null when the rule is gone", () => {
    expect(withShare(acme(), { ...placement, rule: "gone" }, 5)).toBeNull();
  });
});

describe("stickiness as the share grows", () => {
  const USERS = 20_000;
  const versionsAt = (share: number) => {
    const snapshot = compileValid(withShare(acme(), placement, share));
    return Array.from({ length: USERS }, (_, i) => {
      const r = resolveRoute(snapshot, { model: "support", user: `user-${i}`, requestId: `r-${i}` });
      if (!r.ok) throw new Error(r.reason);
      return r.primary.adapter.version;
    });
  };

  it("every user on the candidate at 5% is on it at 25%, 50% and 99%, and the shares hold", () => {
    const shares = [5, 25, 50, 99];
    const runs = shares.map(versionsAt);
    for (let s = 1; s < shares.length; s++) {
      for (let i = 0; i < USERS; i++) {
        if (runs[s - 1][i] === "support-v2") expect(runs[s][i], `user-${i} at ${shares[s]}%`).toBe("support-v2");
      }
    }
    shares.forEach((share, s) => {
      const onCandidate = runs[s].filter((v) => v === "support-v2").length / USERS;
      expect(Math.abs(onCandidate * 100 - share)).toBeLessThan(1.5);
    });
  });
});
