// Pure: where a rollout lives in a manifest and how it moves there. A rollout
// owns the target of one rule of one task; each transition rewrites that
// target and nothing else.
//
// Sticky as the share grows: the split is always [candidate, baseline] in
// that order with weights summing to 100, so a user's hash point p in
// [0, 100) (routing/sticky-hash.ts, seeded by tenant, task and rule id, which
// stay the same) takes the candidate exactly when p < share. The candidate's
// slice [0, share) only grows as the share goes 5 -> 25 -> 50, so a user who
// got the candidate keeps it, and each user's feedback is credited to one
// arm. (An order that changed with the weights, heaviest first say, would
// move users back and forth as the share passes 50 %.) Starting a rollout may
// move users of an earlier hand-written split once: that split's slices were
// laid out in its own order.
import { canonical } from "../registry/diff-manifest";
import type { Manifest, Rule, SplitEntry, Task } from "../schemas/manifest";

export type RuleLookup = { ok: true; task: Task; rule: Rule } | { ok: false; param: "task" | "rule"; message: string };

/**
 * The rule a rollout of `taskName` moves: the one named, or else the task's
 * catch-all (its last rule without `when`), which serves everyone the more
 * specific rules do not.
 */
export function findRolloutRule(manifest: Manifest, taskName: string, ruleId?: string): RuleLookup {
  const task = manifest.tasks.find((t) => t.name === taskName);
  if (!task) return { ok: false, param: "task", message: `Task '${taskName}' is not in the tenant's manifest.` };
  if (ruleId !== undefined) {
    const rule = task.rules.find((r) => r.id === ruleId);
    if (!rule) return { ok: false, param: "rule", message: `Task '${taskName}' has no rule '${ruleId}'.` };
    return { ok: true, task, rule };
  }
  const catchAll = task.rules.findLast((r) => r.when === undefined);
  if (!catchAll) {
    return {
      ok: false,
      param: "rule",
      message: `Task '${taskName}' has no rule without 'when'; name the rule the rollout should move.`,
    };
  }
  return { ok: true, task, rule: catchAll };
}

/** A rule's target as split entries (a plain version is one entry). */
export function splitOf(rule: Rule): readonly SplitEntry[] {
  return typeof rule.target === "string" ? [{ version: rule.target, weight: 1 }] : rule.target.split;
}

/** The version the rule mostly serves now, other than `candidate`: the natural baseline. */
export function defaultBaseline(rule: Rule, candidate: string): string | undefined {
  let best: SplitEntry | undefined;
  for (const entry of splitOf(rule)) {
    if (entry.version === candidate) continue;
    if (!best || entry.weight > best.weight) best = entry;
  }
  return best?.version;
}

export const hasVersion = (manifest: Manifest, version: string): boolean =>
  manifest.adapters.some((a) => a.version === version);

export interface RolloutPlacement {
  task: string;
  rule: string;
  baseline: string;
  candidate: string;
}

/**
 * The target for a candidate share in percent: the baseline alone at 0, the
 * candidate alone at 100, otherwise a two-way split, candidate first, in that
 * order at every share (see the header: the fixed order keeps users sticky).
 */
export function targetFor(p: RolloutPlacement, share: number): Rule["target"] {
  if (share <= 0) return p.baseline;
  if (share >= 100) return p.candidate;
  return {
    split: [
      { version: p.candidate, weight: share },
      { version: p.baseline, weight: 100 - share },
    ],
  };
}

/**
 * The manifest with the rollout's rule moved to `share`; null when that
 * rule is gone (a hand-written apply removed the task or the rule).
 */
export function withShare(manifest: Manifest, p: RolloutPlacement, share: number): Manifest | null {
  const next = structuredClone(manifest);
  const rule = next.tasks.find((t) => t.name === p.task)?.rules.find((r) => r.id === p.rule);
  if (!rule) return null;
  rule.target = targetFor(p, share);
  return next;
}

/** The task's rules (null when the task is gone): what a rollout compares to notice a hand-written change. */
export function rulesOf(manifest: Manifest, task: string): Rule[] | null {
  return manifest.tasks.find((t) => t.name === task)?.rules ?? null;
}

/** Equal rules, whatever the key order. */
export const sameRules = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
