// Compiles a validated manifest into an immutable, pre-indexed snapshot that
// route resolution and tone lookup read on every request.
//
// Resolution sits on the hot path of every chat completion and the budget is
// a few microseconds, so everything that can be decided once is decided here:
// lookups become Maps, `when` predicates become flat data, splits become
// cumulative weights with a pre-hashed seed, and fallback chains that do not
// depend on the request are flattened (one frozen array per possible primary,
// so a resolution returns them without allocating). One snapshot per tenant
// is cached per isolate and replaced wholesale when the manifest changes;
// nothing in it is mutated after compileTenant returns (plain objects are
// frozen; Maps are exposed as ReadonlyMap).
//
// Input must have passed validateManifest(); a reference compileTenant cannot
// resolve is a programming error and throws.
import type {
  AdapterTarget,
  CompiledLimits,
  CompiledRule,
  CompiledTask,
  FallbackStep,
  MatchTable,
  TenantSnapshot,
} from "../routing/compiled";
import { buildMatchTable } from "../routing/match-table";
import { shared } from "../routing/shared-strings";
import { buildTaskIndex } from "../routing/task-index";
import { compilePredicate, type PredicateSpec } from "../routing/predicate";
import { stickySeed } from "../routing/sticky-hash";
import {
  FALLBACK_TASK_PREFIX,
  type Adapter,
  type LimitValues,
  type Manifest,
  type Rule,
  type SplitEntry,
  type Upstream,
} from "../schemas/manifest";
import { indexPresets } from "../tone/lookup-preset";
import { breakerSettings } from "../upstreams/breaker";
import { sharedRendezvousOrder } from "../upstreams/rendezvous";
import { healthKey, inventoryKey } from "../upstreams/replica-keys";
import { replicasOf } from "../upstreams/replica-url";

export interface CompileMeta {
  manifestVersion: number;
  /** epoch ms, from the caller's clock */
  compiledAt: number;
}

const EMPTY: readonly never[] = Object.freeze([]);
const NO_TESTS: readonly PredicateSpec[] = Object.freeze([]);
const NO_STEPS: readonly FallbackStep[] = Object.freeze([]);
const SINGLE_CUMULATIVE: readonly number[] = Object.freeze([1]);
const NO_MATCH: MatchTable = Object.freeze([]);
// Shared by every task without presets; typed read-only, never written.

export function compileTenant(manifest: Manifest, meta: CompileMeta): TenantSnapshot {
  // Only what the snapshot keeps of the manifest is copied (frozen, strings
  // shared): upstreams, adapters, tone presets, limits. Rules are compiled
  // into the objects below and not kept, so the caller's manifest is garbage
  // once this returns, and nothing the caller does to it later shows here.
  const m = manifest;
  const tenant = m.tenant;

  const upstreams = new Map<string, Readonly<Upstream>>();
  for (const u of m.upstreams) upstreams.set(u.id, frozenCopy(u));

  const adapters = new Map<string, AdapterTarget>();
  for (const a0 of m.adapters) {
    const a = frozenCopy(a0);
    const upstream = upstreams.get(a.upstream);
    if (!upstream)
      throw new Error(`compileTenant(${m.tenant}): adapter ${a.version} names unknown upstream ${a.upstream}`);
    adapters.set(a.version, compileTarget(tenant, a, upstream));
  }
  // Equal lists (targets, chains, weights) are one frozen array per snapshot:
  // many rules of a tenant name the same versions or fall back the same way.
  // Keyed by the elements' identity (numbers by value).
  const lists = new Map<string, readonly unknown[]>();
  const ids = new Map<unknown, number>();
  const idOf = (x: unknown) => {
    if (typeof x === "number") return `#${x}`;
    let id = ids.get(x);
    if (id === undefined) ids.set(x, (id = ids.size));
    return String(id);
  };
  const share = <T>(list: readonly T[]): readonly T[] => {
    if (list.length === 0) return EMPTY;
    const key = list.map(idOf).join(",");
    let hit = lists.get(key) as readonly T[] | undefined;
    if (hit === undefined) lists.set(key, (hit = Object.freeze(list)));
    return hit;
  };

  const target = (version: string): AdapterTarget => {
    const t = adapters.get(version);
    if (!t) throw new Error(`compileTenant(${m.tenant}): unknown adapter version ${version}`);
    return t;
  };

  // Tasks are created first and their rules filled in afterwards, because a
  // rule's `task:` fallback refers to another task's compiled object.
  const tasks = new Map<string, CompiledTask & { rules: readonly CompiledRule[]; match: MatchTable }>();
  for (const t of m.tasks) {
    const name = shared(t.name);
    tasks.set(name, {
      name,
      description: t.description,
      allowPinning: t.allow_pinning,
      rules: [],
      match: NO_MATCH,
      versions: versionsOf(t.rules, target),
    });
  }

  // Static expansion of `task:X`: X's first rule always matches and has a
  // single target, and its own chain is static too. Memoized; `null` = depends
  // on the request.
  const expansion = new Map<string, readonly AdapterTarget[] | null>();
  const visiting = new Set<string>();
  const staticExpansion = (name: string): readonly AdapterTarget[] | null => {
    if (expansion.has(name)) return expansion.get(name)!;
    if (visiting.has(name)) throw new Error(`compileTenant(${m.tenant}): fallback cycle through task ${name}`);
    visiting.add(name);
    const first = m.tasks.find((t) => t.name === name)!.rules[0];
    let result: readonly AdapterTarget[] | null = null;
    if (!hasConditions(first) && typeof first.target === "string") {
      const steps = compileSteps(first);
      if (steps.every((s) => s.kind === "adapter")) {
        result = share(
          dedup([target(first.target), ...steps.map((s) => (s as { target: AdapterTarget }).target)], null),
        );
      }
    }
    visiting.delete(name);
    expansion.set(name, result);
    return result;
  };
  const compileSteps = (rule: Rule): FallbackStep[] => {
    const steps: FallbackStep[] = [];
    for (const entry of rule.fallback ?? []) {
      if (!entry.startsWith(FALLBACK_TASK_PREFIX)) {
        steps.push({ kind: "adapter", target: target(entry) });
        continue;
      }
      const name = entry.slice(FALLBACK_TASK_PREFIX.length);
      const task = tasks.get(name);
      if (!task) throw new Error(`compileTenant(${m.tenant}): fallback names unknown task ${name}`);
      const expanded = staticExpansion(name);
      if (expanded) for (const t of expanded) steps.push({ kind: "adapter", target: t });
      else steps.push({ kind: "task", task });
    }
    return steps;
  };

  for (const t of m.tasks) {
    const compiled = tasks.get(t.name)!;
    const rules: CompiledRule[] = [];
    const withTests: { rule: CompiledRule; tests: readonly PredicateSpec[] }[] = [];
    for (const rule of t.rules) {
      const single = typeof rule.target === "string";
      const split = single
        ? [{ version: rule.target as string, weight: 1 }]
        : (rule.target as { split: SplitEntry[] }).split;
      const targets = share(split.map((s) => target(s.version)));
      const cumulative: number[] = [];
      let total = 0;
      for (const s of split) cumulative.push((total += s.weight));
      const steps = compileSteps(rule);
      // Static chains are computed once per possible primary, and a primary
      // the chain does not contain shares the full chain array: thousands of
      // snapshots may live in one isolate, and Workers allow 128 MB in all.
      let fullChain: readonly AdapterTarget[] | null = null;
      let chainFor: (readonly AdapterTarget[])[] | null = null;
      if (steps.every((s) => s.kind === "adapter")) {
        const full = share(
          dedup(
            steps.map((s) => (s as { target: AdapterTarget }).target),
            null,
          ),
        );
        fullChain = full;
        chainFor = targets.map((p) => (full.includes(p) ? share(dedup(full, p)) : full));
      }
      const compiledRule: CompiledRule = Object.freeze({
        id: shared(rule.id),
        targets,
        cumulative: single ? SINGLE_CUMULATIVE : share(cumulative),
        totalWeight: total,
        // int32 with the same bits: stored in the object itself where V8's small
        // integers are 32-bit (Node on x64), not as a boxed double; workerd's
        // pointer compression leaves 31 bits, so there half the seeds stay boxed.
        seed: stickySeed(m.tenant, t.name, rule.id) | 0,
        steps: chainFor ? NO_STEPS : Object.freeze(steps.map((s) => Object.freeze(s))),
        chainFor: chainFor && share(chainFor),
        fullChain,
        arms: targets.length,
        first: targets[0],
        firstChain: chainFor?.[0] ?? null,
        second: targets.length > 1 ? targets[1] : null,
        secondChain: targets.length > 1 ? (chainFor?.[1] ?? null) : null,
        cut: cumulative[0],
      });
      rules.push(compiledRule);
      withTests.push({
        rule: compiledRule,
        tests: hasConditions(rule)
          ? Object.entries(rule.when!).map(([path, p]) => compilePredicate(path, p))
          : NO_TESTS,
      });
    }
    compiled.rules = Object.freeze(rules);
    compiled.match = buildMatchTable(withTests);
    Object.freeze(compiled);
  }

  return Object.freeze({
    tenant,
    displayName: m.display_name ?? tenant,
    manifestVersion: meta.manifestVersion,
    compiledAt: meta.compiledAt,
    manifestLimits: m.limits ? frozenCopy(m.limits) : null,
    upstreams,
    adapters,
    tasks,
    taskIndex: buildTaskIndex(tasks.values()),
    tone: indexPresets(
      frozenCopy(m.tone ?? []),
      m.tasks.map((t) => ({ name: shared(t.name), tone: t.tone && frozenCopy(t.tone) })),
    ),
    limits: compileLimits(m.limits),
  });
}

/**
 * One adapter version's target: the version, its upstream, and what replica
 * choice reads per request. Replica order depends on the manifest alone, so
 * it is ranked here, not per request. `adapter` and `upstream` must be frozen.
 */
export function compileTarget(tenant: string, adapter: Readonly<Adapter>, upstream: Readonly<Upstream>): AdapterTarget {
  if (adapter.upstream !== upstream.id)
    throw new Error(
      `compileTarget(${tenant}): adapter ${adapter.version} is served by ${adapter.upstream}, not ${upstream.id}`,
    );
  return Object.freeze({
    adapter,
    upstream,
    replicas: sharedRendezvousOrder(adapter.served_name, replicasOf(upstream)),
    tenant,
    servedName: adapter.served_name,
    upstreamId: upstream.id,
    breaker: breakerSettings(upstream),
    inventoryKey: inventoryKey(adapter.served_name),
    healthKey: healthKey(tenant, upstream.id),
  });
}

/** The limits with at least one value set; null when there is none, so the hot path skips the limiter. */
function compileLimits(limits: Manifest["limits"]): CompiledLimits | null {
  if (!limits) return null;
  const { per_key, ...tenant } = limits;
  const set = (values: LimitValues | undefined) =>
    values && Object.values(values).some((v) => v !== undefined) ? Object.freeze({ ...values }) : null;
  const compiled = { tenant: set(tenant), perKey: set(per_key) };
  return compiled.tenant || compiled.perKey ? Object.freeze(compiled) : null;
}

function hasConditions(rule: Rule): boolean {
  return rule.when !== undefined && Object.keys(rule.when).length > 0;
}

function versionsOf(rules: readonly Rule[], target: (v: string) => AdapterTarget): ReadonlyMap<string, AdapterTarget> {
  const out = new Map<string, AdapterTarget>();
  for (const rule of rules) {
    const named = typeof rule.target === "string" ? [rule.target] : rule.target.split.map((s) => s.version);
    for (const entry of rule.fallback ?? []) if (!entry.startsWith(FALLBACK_TASK_PREFIX)) named.push(entry);
    for (const v of named) {
      // Keyed by the target's own (copied) string, so nothing of the manifest stays referenced.
      const t = target(v);
      if (!out.has(t.adapter.version)) out.set(t.adapter.version, t);
    }
  }
  return out;
}

/** First occurrence of each target, without `exclude`. */
function dedup(list: readonly AdapterTarget[], exclude: AdapterTarget | null): AdapterTarget[] {
  const out: AdapterTarget[] = [];
  for (const t of list) if (t !== exclude && !out.includes(t)) out.push(t);
  return out;
}

/** Adapter fields no two tenants share (served names are unique per replica): sharing would only fill the table. */
const UNIQUE_KEYS: ReadonlySet<string> = new Set(["served_name", "source"]);

/**
 * A deep, frozen copy of plain JSON data, its strings shared between tenants
 * (shared-strings.ts). Cheaper than structuredClone plus a freezing walk, and
 * compile time is what a cold isolate pays for every tenant it loads.
 */
function frozenCopy<T>(value: T): T {
  if (typeof value === "string") return shared(value) as T;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const raw = (value as Record<string, unknown>)[key];
    const v = typeof raw === "string" && UNIQUE_KEYS.has(key) ? raw : frozenCopy(raw);
    // A "__proto__" key (possible in `headers`) must stay data, not set the prototype.
    if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true });
    else out[key] = v;
  }
  return Object.freeze(out) as T;
}
