// Per-isolate state of the upstreams' replicas, created with the app (like
// the registry cache) and shared by its requests: a circuit breaker per
// tenant, upstream and replica (the key includes the tenant because two
// tenants' upstreams may reach one server with different headers or keys),
// the inventory of each replica, and the LoRA loads in flight. Nothing here
// is shared between isolates: each learns health from its own traffic,
// which is what a passive breaker is (docs/adapters.md).
//
// Loads are single-flight per replica and LoRA name: however many requests
// find a version unloaded at once, the replica gets one load call and they
// all wait for it.
//
// order() runs before every upstream call, with thousands of tenants'
// snapshots competing for the CPU cache, so it reads the target alone (its
// replica-choice fields, src/routing/compiled.ts) and answers from integer
// keys where it can: a tenant upstream whose circuits are all closed needs
// no breaker lookup, and a replica whose inventory lacks the name's key
// needs no name lookup (replica-keys.ts).
import type { Clock } from "../clock";
import type { AdapterTarget } from "../routing/compiled";
import { Breaker, breakerSettings, DEFAULT_BREAKER, type FailureKind } from "./breaker";
import { chooseReplicas, leadWith } from "./choose-replicas";
import { Inventory } from "./inventory";
import { healthKey } from "./replica-keys";
import { loadLora, unloadLora, type LoraCallResult } from "./vllm-lora";

export interface UpstreamPoolOptions {
  clock: Clock;
  /** How old an inventory may get before a request schedules a background read. */
  inventoryTtlMs?: number;
}

export { breakerSettings, DEFAULT_BREAKER };
const DEFAULT_INVENTORY_TTL_MS = 30_000;
const ALWAYS = () => true;

/** How a call to a replica went, for its breaker. */
export type ReplicaReport = "ok" | "failure" | "neutral";

export class UpstreamPool {
  readonly inventory: Inventory;
  /** tenant -> upstream id -> replica URL -> breaker. */
  private readonly breakers = new Map<string, Map<string, Map<string, Breaker>>>();
  /**
   * healthKey -> how many breakers under that key are not closed. A key that
   * is absent has every circuit closed (or none yet), so every replica is
   * available. Kept by admit() and report(), the only callers that change a
   * breaker's state.
   */
  private readonly unsettled = new Map<number, number>();
  private readonly loads = new Map<string, Promise<LoraCallResult>>();
  /** Successful loads so far per replica and LoRA: a caller that saw the 404 before a load finished reuses it. */
  private readonly loaded = new Map<string, number>();
  private readonly now: () => number;

  constructor(options: UpstreamPoolOptions) {
    this.now = () => options.clock.nowMs();
    this.inventory = new Inventory(this.now, options.inventoryTtlMs ?? DEFAULT_INVENTORY_TTL_MS);
  }

  breaker(tenant: string, upstreamId: string, url: string): Breaker {
    let byUpstream = this.breakers.get(tenant);
    if (!byUpstream) this.breakers.set(tenant, (byUpstream = new Map()));
    let byUrl = byUpstream.get(upstreamId);
    if (!byUrl) byUpstream.set(upstreamId, (byUrl = new Map()));
    let breaker = byUrl.get(url);
    if (!breaker) byUrl.set(url, (breaker = new Breaker()));
    return breaker;
  }

  /** Replicas a request for this target may try, best first; empty when every circuit is open. */
  order(tenant: string, target: AdapterTarget): readonly string[] {
    const ranked = target.replicas;
    const inventory = this.inventory;
    const name = target.servedName;
    const key = target.inventoryKey;
    // Nested maps keyed by the snapshot's own strings: no key is built per request.
    const byUrl = this.unsettled.has(this.healthKeyOf(tenant, target))
      ? this.breakers.get(tenant)?.get(target.upstreamId)
      : undefined;
    // Every circuit closed (the steady state): no closures, nothing allocated
    // unless a holder ranked below the first leads (closures cost more than
    // usual in a bundle built with keepNames, as wrangler builds one).
    if (byUrl === undefined) return leadWith(ranked, inventory.firstHolder(ranked, name, key));
    const now = this.now();
    const settings = target.breaker;
    return chooseReplicas(
      ranked,
      (url) => byUrl.get(url)?.available(now, settings) ?? true,
      (url) => inventory.holds(url, name, key),
    );
  }

  admit(tenant: string, target: AdapterTarget, url: string): boolean {
    // Closed stays closed and open only turns half-open: no change to `unsettled`.
    return this.breaker(tenant, target.upstreamId, url).admit(this.now(), target.breaker);
  }

  report(
    tenant: string,
    target: AdapterTarget,
    url: string,
    report: ReplicaReport,
    message = "",
    kind?: FailureKind,
  ): void {
    const breaker = this.breaker(tenant, target.upstreamId, url);
    const wasClosed = breaker.state === "closed";
    if (report === "ok") breaker.success();
    else if (report === "failure") breaker.failure(this.now(), message, target.breaker, kind);
    else breaker.release();
    const isClosed = breaker.state === "closed";
    if (wasClosed !== isClosed) this.countUnsettled(this.healthKeyOf(tenant, target), isClosed ? -1 : 1);
  }

  /** The target's compiled key when asked for its own tenant (the same string: no read of it). */
  private healthKeyOf(tenant: string, target: AdapterTarget): number {
    return tenant === target.tenant ? target.healthKey : healthKey(tenant, target.upstreamId);
  }

  private countUnsettled(key: number, delta: number): void {
    const n = (this.unsettled.get(key) ?? 0) + delta;
    if (n > 0) this.unsettled.set(key, n);
    else this.unsettled.delete(key);
  }

  /** The most recent failure among the target's replicas, for a request that finds every circuit open. */
  lastFailure(tenant: string, target: AdapterTarget): { kind: FailureKind; message: string } {
    let latest: Breaker | null = null;
    for (const url of target.replicas) {
      const b = this.breakers.get(tenant)?.get(target.upstreamId)?.get(url);
      if (b && (latest === null || (b.lastErrorAt ?? 0) > (latest.lastErrorAt ?? 0))) latest = b;
    }
    return { kind: latest?.lastFailure ?? { kind: "network" }, message: latest?.lastError ?? "" };
  }

  /** Schedules a background read of each stale replica's model list; costs a few map reads otherwise. */
  refreshIfStale(target: AdapterTarget, env: Env, waitUntil: (promise: Promise<unknown>) => void): void {
    for (const url of target.replicas) {
      if (this.inventory.isStale(url)) waitUntil(this.inventory.refresh(url, target.upstream, env));
    }
  }

  /** How many times this isolate has loaded the LoRA on the replica; pass it to ensureLoaded. */
  loadCount(url: string, name: string): number {
    return this.loaded.get(`${url}\0${name}`) ?? 0;
  }

  /**
   * Loads the target's LoRA on the replica, once however many callers ask at
   * the same time. `seenLoads` is loadCount() from before the caller's
   * request: a 404 that raced a load which has finished since is answered by
   * that load, not by another call.
   */
  ensureLoaded(
    target: AdapterTarget,
    url: string,
    env: Env,
    seenLoads: number,
    tenant: string,
  ): Promise<LoraCallResult> {
    const name = target.adapter.served_name;
    const key = `${url}\0${name}`;
    let pending = this.loads.get(key);
    // status 0: no call was made for this caller.
    if (!pending && (this.loaded.get(key) ?? 0) > seenLoads) return Promise.resolve({ ok: true, status: 0 });
    if (!pending) {
      const started = this.now();
      pending = loadLora(url, target.upstream, env, { name, path: target.adapter.source ?? name }).then((result) => {
        this.loads.delete(key);
        if (result.ok) {
          this.loaded.set(key, (this.loaded.get(key) ?? 0) + 1);
          this.inventory.noteHeld(url, name);
        }
        // Once per load call, however many requests waited for it.
        const line = {
          msg: result.ok ? "lora loaded on demand" : "lora load failed; requests go to their fallback chain",
          tenant,
          upstream: target.upstream.id,
          replica: url,
          version: target.adapter.version,
          source: target.adapter.source,
          ms: this.now() - started,
          ...(result.ok ? {} : { status: result.status, error: result.message }),
        };
        (result.ok ? console.log : console.error)(JSON.stringify(line));
        return result;
      });
      this.loads.set(key, pending);
    }
    return pending;
  }

  async unload(target: AdapterTarget, url: string, env: Env): Promise<LoraCallResult> {
    const result = await unloadLora(url, target.upstream, env, target.adapter.served_name);
    if (result.ok) this.inventory.noteMissing(url, target.adapter.served_name);
    return result;
  }
}

export function createUpstreamPool(options: UpstreamPoolOptions): UpstreamPool {
  return new UpstreamPool(options);
}
