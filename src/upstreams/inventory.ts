// What each replica holds, as far as this isolate knows: read from the
// replica's /v1/models in the background (never on a request's path), and
// corrected by what requests and load calls learn (an answer from a LoRA
// means it is there; vLLM's 404 means it is not). Keyed by replica URL: a
// server holds what it holds, whichever tenant asks.
import type { Upstream } from "../schemas/manifest";
import { listLoras } from "./vllm-lora";

export interface ReplicaInventory {
  names: Set<string>;
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
      entry = { names: new Set(), readAt: null, error: null, triedAt: null, refreshing: null };
      this.byReplica.set(url, entry);
    }
    return entry;
  }

  holds(url: string, name: string): boolean {
    return this.byReplica.get(url)?.names.has(name) ?? false;
  }

  noteHeld(url: string, name: string): void {
    this.get(url).names.add(name);
  }

  noteMissing(url: string, name: string): void {
    this.byReplica.get(url)?.names.delete(name);
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
        entry.readAt = this.now();
        entry.error = null;
      } else {
        entry.error = result.message;
      }
    });
    return entry.refreshing;
  }
}
