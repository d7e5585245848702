// Route resolution: (tenant snapshot, request facts) -> which adapter version
// serves the request, and what to try if it fails. Pure: no bindings, no
// clock, no randomness; the same facts give the same answer in every isolate.
//
// It runs on every chat completion with a budget of a few microseconds
// (scripts/bench-routing.ts), so it leans on compile-tenant.ts having done the
// work: one Map lookup for the task, one flat match table for its rules and
// `when` tests (match-table.ts), a streaming hash for splits, and
// pre-flattened fallback chains returned as shared frozen arrays; a plain
// rule or two-way split resolves from the rule object alone. Only `task:`
// fallbacks that depend on the request are expanded here, and only they
// allocate.
// Failures are tagged results; the handler maps them to GatewayErrors.
import type { AdapterTarget, CompiledRule, CompiledTask, MatchTable, TenantSnapshot } from "./compiled";
import { firstMatch, type RequestFacts } from "./match-table";
import { findTask } from "./task-index";
import { stickyPoint } from "./sticky-hash";

export type { RequestFacts };

export interface RouteFacts extends RequestFacts {
  /** What the client sent as `model`: "task" or "task@version". */
  model: string;
}

export type RouteFailure = "task_not_found" | "version_not_allowed" | "no_rule_matched";

export type RouteResult =
  | {
      ok: true;
      task: string;
      /** Rule id for the x-switchyard-route header; "pinned" for task@version. */
      rule: string;
      primary: AdapterTarget;
      /** Ordered, no duplicates, never contains `primary`. Shared: do not mutate. */
      fallbacks: readonly AdapterTarget[];
      pinned: boolean;
    }
  | { ok: false; reason: RouteFailure };

/** The rule id reported for a `task@version` request. */
export const PINNED_RULE = "pinned";

// Fallback chains are acyclic once validated; this only bounds a snapshot
// compiled from an unvalidated manifest.
const MAX_TASK_DEPTH = 16;

const TASK_NOT_FOUND: RouteResult = Object.freeze({ ok: false, reason: "task_not_found" });
const VERSION_NOT_ALLOWED: RouteResult = Object.freeze({ ok: false, reason: "version_not_allowed" });
const NO_RULE_MATCHED: RouteResult = Object.freeze({ ok: false, reason: "no_rule_matched" });
const EMPTY: readonly AdapterTarget[] = Object.freeze([]);

/**
 * The target `task@version` pins: pinning is opt-in per task and limited to
 * versions its rules name, so a client cannot reach an adapter the tenant
 * never routed this task to. undefined when that does not allow it.
 */
export function pinnedTarget(task: CompiledTask, version: string): AdapterTarget | undefined {
  return task.allowPinning ? task.versions.get(version) : undefined;
}

export function resolveRoute(tenant: TenantSnapshot, facts: RouteFacts): RouteResult {
  const model = facts.model;
  const at = model.indexOf("@");
  const tasks = tenant.taskIndex;
  const slot = findTask(tasks, at < 0 ? model : model.slice(0, at));
  if (slot < 0) return TASK_NOT_FOUND;
  const name = tasks[slot + 1] as string;
  const rule = firstMatch(tasks[slot + 3] as MatchTable, facts);

  if (at >= 0) {
    const pinned = pinnedTarget(tasks[slot + 2] as CompiledTask, model.slice(at + 1));
    if (pinned === undefined) return VERSION_NOT_ALLOWED;
    return {
      ok: true,
      task: name,
      rule: PINNED_RULE,
      primary: pinned,
      fallbacks: rule === undefined ? EMPTY : pinnedChain(rule, facts, pinned),
      pinned: true,
    };
  }

  if (rule === undefined) return NO_RULE_MATCHED;
  const index = pickIndex(rule, facts);
  const primary = index === 0 ? rule.first : index === 1 ? rule.second! : rule.targets[index];
  let fallbacks = index === 0 ? rule.firstChain : index === 1 ? rule.secondChain : (rule.chainFor?.[index] ?? null);
  if (fallbacks === null) {
    const out: AdapterTarget[] = [];
    appendSteps(rule, facts, out, primary, 0);
    fallbacks = out;
  }
  return { ok: true, task: name, rule: rule.id, primary, fallbacks, pinned: false };
}

/**
 * Index into rule.targets. Sticky by user; a request without one (or with an
 * empty one) splits by its request id instead.
 */
function pickIndex(rule: CompiledRule, facts: RequestFacts): number {
  const arms = rule.arms;
  if (arms === 1) return 0;
  const key = typeof facts.user === "string" && facts.user !== "" ? facts.user : facts.requestId;
  const total = rule.totalWeight;
  const point = stickyPoint(rule.seed, key, total);
  // A two-way split from the rule object alone (the loops below, unrolled);
  // the cumulative array only for longer splits.
  if (point < rule.cut) return 0;
  if (arms === 2) return point < total || total > rule.cut ? 1 : 0;
  const cumulative = rule.cumulative;
  const n = cumulative.length;
  for (let i = 1; i < n; i++) if (point < cumulative[i]) return i;
  // Unreachable for point < total; keeps the last positive-weight entry safe.
  for (let i = n - 1; i > 0; i--) if (cumulative[i] > cumulative[i - 1]) return i;
  return 0;
}

function pinnedChain(rule: CompiledRule, facts: RequestFacts, pinned: AdapterTarget): readonly AdapterTarget[] {
  const out: AdapterTarget[] = [];
  if (rule.fullChain !== null) {
    for (const t of rule.fullChain) if (t !== pinned) out.push(t);
  } else appendSteps(rule, facts, out, pinned, 0);
  return out;
}

function push(out: AdapterTarget[], t: AdapterTarget, exclude: AdapterTarget): void {
  if (t !== exclude && !out.includes(t)) out.push(t);
}

/** A rule's fallback chain, `task:` entries expanded against the same facts. */
function appendSteps(
  rule: CompiledRule,
  facts: RequestFacts,
  out: AdapterTarget[],
  exclude: AdapterTarget,
  depth: number,
): void {
  for (const step of rule.steps) {
    if (step.kind === "adapter") push(out, step.target, exclude);
    else appendTask(step.task, facts, out, exclude, depth + 1);
  }
}

/** `task:X` = X's resolved primary, then X's own fallbacks. */
function appendTask(
  task: CompiledTask,
  facts: RequestFacts,
  out: AdapterTarget[],
  exclude: AdapterTarget,
  depth: number,
): void {
  if (depth > MAX_TASK_DEPTH) return;
  const rule = firstMatch(task.match, facts);
  if (rule === undefined) return;
  const index = pickIndex(rule, facts);
  push(out, rule.targets[index], exclude);
  if (rule.chainFor !== null) for (const t of rule.chainFor[index]) push(out, t, exclude);
  else appendSteps(rule, facts, out, exclude, depth);
}
