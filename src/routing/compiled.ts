// The shape of a compiled tenant (TenantSnapshot): what the snapshot compiler
// (registry/compile-tenant.ts) produces and what route resolution, tone
// lookup, providers and handlers read. It lives here, below both compiler and
// resolver, so the registry depends on routing and never the other way round.
//
// Everything is read-only: a snapshot is built once per manifest version,
// shared by every request of the isolate and replaced wholesale, never mutated.
import type { Adapter, LimitValues, Manifest, Upstream } from "../schemas/manifest";
import type { PresetIndex } from "../tone/lookup-preset";
import type { BreakerSettings } from "../upstreams/breaker";

/**
 * One adapter version and the upstream that serves it. The fields after
 * `replicas` repeat or derive from adapter and upstream: they are what replica
 * choice (UpstreamPool.order) reads on every request, kept here so that it
 * touches this one object rather than three (see compileTarget).
 */
export type AdapterTarget = Readonly<{
  adapter: Readonly<Adapter>;
  upstream: Readonly<Upstream>;
  /** The upstream's replica URLs in this version's rendezvous order (src/upstreams); empty for Workers AI. */
  replicas: readonly string[];
  /** The tenant whose manifest this is. */
  tenant: string;
  /** adapter.served_name */
  servedName: string;
  /** upstream.id */
  upstreamId: string;
  /** upstream.breaker, or the defaults (breakerSettings()). */
  breaker: Readonly<BreakerSettings>;
  /** inventoryKey(servedName) (src/upstreams/replica-keys.ts). */
  inventoryKey: number;
  /** healthKey(tenant, upstreamId). */
  healthKey: number;
}>;

export type FallbackStep =
  { readonly kind: "adapter"; readonly target: AdapterTarget } | { readonly kind: "task"; readonly task: CompiledTask };

export interface CompiledRule {
  readonly id: string;
  /** One entry for a plain target; the split's versions otherwise. */
  readonly targets: readonly AdapterTarget[];
  /** Running sums of the split weights (same length as targets). */
  readonly cumulative: readonly number[];
  readonly totalWeight: number;
  /** FNV-1a state over `${tenant}\0${task}\0${rule}\0` (see sticky-hash.ts), as an int32 (same bits). */
  readonly seed: number;
  /** Fallback entries with static `task:` references expanded; empty when chainFor is set. */
  readonly steps: readonly FallbackStep[];
  /** When `steps` has no dynamic `task:` entry: the final chain for each possible primary (by targets index). */
  readonly chainFor: readonly (readonly AdapterTarget[])[] | null;
  /** Same, with no primary removed (the base of a pinned request's chain). */
  readonly fullChain: readonly AdapterTarget[] | null;
  // The first two entries of targets and chainFor again, and cumulative[0]:
  // a plain rule or a two-way split (every rollout's shape) resolves from
  // this object alone, without reading three arrays.
  /** targets.length */
  readonly arms: number;
  readonly first: AdapterTarget;
  readonly firstChain: readonly AdapterTarget[] | null;
  /** null for a plain rule. */
  readonly second: AdapterTarget | null;
  readonly secondChain: readonly AdapterTarget[] | null;
  /** cumulative[0] */
  readonly cut: number;
}

/** See match-table.ts: a task's rules and their `when` tests as one flat array. */
export type MatchSlot = CompiledRule | number | string | boolean | readonly string[] | ReadonlySet<string>;
export type MatchTable = readonly MatchSlot[];

/** See task-index.ts: (key, name, task, match table) per task, in one flat array. */
export type TaskIndex = readonly (number | string | CompiledTask | MatchTable)[];

export interface CompiledTask {
  readonly name: string;
  readonly description: string | undefined;
  readonly allowPinning: boolean;
  readonly rules: readonly CompiledRule[];
  /** The rules with their `when` tests, as resolution reads them (match-table.ts). */
  readonly match: MatchTable;
  /** Versions named anywhere in this task's rules (targets, splits, fallbacks): what `task@version` may pin. */
  readonly versions: ReadonlyMap<string, AdapterTarget>;
}

/** A tenant's limits as the limiter (src/limits) takes them; each side null when it sets nothing. */
export interface CompiledLimits {
  /** All of the tenant's keys together. */
  readonly tenant: Readonly<LimitValues> | null;
  /** Each API key of the tenant on its own. */
  readonly perKey: Readonly<LimitValues> | null;
}

export interface TenantSnapshot {
  readonly tenant: string;
  readonly displayName: string;
  readonly manifestVersion: number;
  readonly compiledAt: number;
  /**
   * The manifest's `limits` as written (GET /admin/tenants/{tenant}/limits);
   * null when it has none. The rest of the manifest is not kept: what
   * requests need is compiled below, and the stored manifest is D1's.
   */
  readonly manifestLimits: Readonly<NonNullable<Manifest["limits"]>> | null;
  readonly upstreams: ReadonlyMap<string, Readonly<Upstream>>;
  /** Adapter versions by version. */
  readonly adapters: ReadonlyMap<string, AdapterTarget>;
  readonly tasks: ReadonlyMap<string, CompiledTask>;
  /** The same tasks as route resolution looks them up (task-index.ts). */
  readonly taskIndex: TaskIndex;
  /** Tone presets by task and audience, for src/tone's lookupPreset. */
  readonly tone: PresetIndex;
  /** null when the manifest sets no limit: a chat request then makes no limiter call at all. */
  readonly limits: CompiledLimits | null;
}
