// What each replica holds, as far as this isolate knows: read from the
// replica's /v1/models in the background (never on a request's path), and
// corrected by what requests and load calls learn (an answer from a LoRA
// means it is there; vLLM's 404 means it is not). Keyed by replica URL: a
// server holds what it holds, whichever tenant asks.
//
// Next to the names, each replica keeps their inventoryKey()s: a request asks
// holds() with its target's compiled key, and a key the replica lacks answers
// "no" without reading the name string (a cache miss per request when an
// isolate serves thousands of tenants).
import type { Upstream } from "../schemas/manifest";
import { inventoryKey } from "./replica-keys";
import { listLoras } from "./vllm-lora";

export interface ReplicaInventory {
  /** Change only through Inventory's methods, which keep `keys` in step. */
  names: Set<string>;
  /** inventoryKey() of each name. */
  keys: Set<number>;
  /** epoch ms of the last successful /v1/models read; null before one. */
  readAt: number | null;
  error: string | null;
  /** epoch ms the last read started, so a replica that fails to answer is asked once per TTL, not per request. */
  triedAt: number | null;
  refreshing: Promise<void> | null;
}

export class Inventory {
  private readonly byReplica = new Map<string, ReplicaInventory>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  get(url: string): ReplicaInventory {
    let entry = this.byReplica.get(url);
    if (!entry) {
      entry = { names: new Set(), keys: new Set(), readAt: null, error: null, triedAt: null, refreshing: null };
      this.byReplica.set(url, entry);
    }
    return entry;
  }

  /** `key` is inventoryKey(name), passed in by callers that have it compiled. */
  holds(url: string, name: string, key = inventoryKey(name)): boolean {
    const entry = this.byReplica.get(url);
    return entry !== undefined && entry.keys.has(key) && entry.names.has(name);
  }

  /** Index of the first of `urls` that holds the name, -1 for none; `key` as for holds(). */
  firstHolder(urls: readonly string[], name: string, key: number): number {
    for (let i = 0; i < urls.length; i++) if (this.holds(urls[i], name, key)) return i;
    return -1;
  }

  noteHeld(url: string, name: string): void {
    const entry = this.get(url);
    entry.names.add(name);
    entry.keys.add(inventoryKey(name));
  }

  noteMissing(url: string, name: string): void {
    const entry = this.byReplica.get(url);
    // Another name may share the key: rebuild rather than delete it (rare: a 404 or an unload).
    if (entry?.names.delete(name)) entry.keys = keysOf(entry.names);
  }

  isStale(url: string): boolean {
    const entry = this.byReplica.get(url);
    if (!entry) return true;
    return entry.refreshing === null && (entry.triedAt === null || this.now() - entry.triedAt >= this.ttlMs);
  }

  /** Reads the replica's model list; one read at a time per replica. Never throws. */
  refresh(url: string, upstream: Readonly<Upstream>, env: Env): Promise<void> {
    const entry = this.get(url);
    if (entry.refreshing) return entry.refreshing;
    entry.triedAt = this.now();
    entry.refreshing = listLoras(url, upstream, env).then((result) => {
      entry.refreshing = null;
      if (result.ok) {
        entry.names = new Set(result.names);
        entry.keys = keysOf(entry.names);
        entry.readAt = this.now();
        entry.error = null;
      } else {
        entry.error = result.message;
      }
    });
    return entry.refreshing;
  }
}

function keysOf(names: Iterable<string>): Set<number> {
  const keys = new Set<number>();
  for (const name of names) keys.add(inventoryKey(name));
  return keys;
}
