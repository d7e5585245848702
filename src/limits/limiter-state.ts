// The live state of one tenant's limiter, in the Durable Object's memory:
// request windows, today's token usage, stream leases and refusal counts.
// Memory is the truth while the object lives (it handles one event at a time,
// so decisions on it are exact); SQLite (limiter-store.ts) gets the changes
// written behind, in one transaction per flush, and is what a restarted
// object reloads. The trade-off: an answer never waits for a commit, and a
// flood of refusals costs no writes at all, but an object that crashes (or
// is restarted by a deploy) loses what it admitted since its last flush, at
// most FLUSH_MS of bookkeeping; after that restart a limit may let through
// that many requests more, once (docs/limits.md).
import { dayOf, MINUTE_MS, type LimitKind, type LimitScope } from "./limit-types";
import type { LimiterStore } from "./limiter-store";
import { SlidingWindow } from "./sliding-window";

/** How long a change waits in memory before it is written, at most. */
export const FLUSH_MS = 1000;

interface Lease {
  keyId: string;
  expiresAt: number;
}

interface RefusalCount {
  keyId: string;
  scope: LimitScope;
  kind: LimitKind;
  count: number;
  lastAt: number;
}

export interface LimiterStateOptions {
  store: LimiterStore;
  /** Runs `write` as one SQLite transaction. */
  transaction: (write: () => void) => void;
  /** Asks for flush() to be called within FLUSH_MS (the object's timer). */
  scheduleFlush: () => void;
  /** Tells lease ids of this object's life from earlier ones, so a late release never frees a newer lease. */
  incarnation: string;
}

export class LimiterState {
  readonly #o: LimiterStateOptions;
  readonly #windows = new Map<string, SlidingWindow>();
  readonly #tokens = new Map<string, { day: number; used: number }>();
  readonly #leases = new Map<string, Lease>();
  readonly #refusals = new Map<string, RefusalCount>();
  #writes: (() => void)[] = [];
  #leaseCount = 0;
  #lastNowMs = 0;
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(options: LimiterStateOptions) {
    this.#o = options;
    for (const l of options.store.leases()) this.#leases.set(l.id, { keyId: l.key_id, expiresAt: l.expires_at });
  }

  /** The request window of a scope, rebuilt from SQLite the first time it is needed. */
  window(scope: string, nowMs: number): SlidingWindow {
    this.#seen(nowMs);
    let window = this.#windows.get(scope);
    if (!window) {
      window = new SlidingWindow(MINUTE_MS, this.#o.store.requestTimes(scope, nowMs - MINUTE_MS));
      this.#windows.set(scope, window);
    }
    return window;
  }

  recordRequest(scope: string, nowMs: number): void {
    const at = this.window(scope, nowMs).add(nowMs);
    this.#write(() => this.#o.store.addRequest(scope, at));
  }

  tokensUsed(scope: string, day: number): number {
    let entry = this.#tokens.get(scope);
    if (!entry || entry.day !== day) {
      entry = { day, used: this.#o.store.tokensUsed(scope, day) };
      this.#tokens.set(scope, entry);
    }
    return entry.used;
  }

  addTokens(scope: string, nowMs: number, tokens: number): void {
    this.#seen(nowMs);
    const day = dayOf(nowMs);
    this.tokensUsed(scope, day);
    this.#tokens.get(scope)!.used += tokens;
    this.#write(() => this.#o.store.addTokens(scope, day, tokens));
  }

  /** Leases live at `nowMs`: the tenant's (keyId null) or one key's. */
  openLeases(nowMs: number, keyId: string | null): number {
    let open = 0;
    for (const lease of this.#leases.values()) {
      if (lease.expiresAt > nowMs && (keyId === null || lease.keyId === keyId)) open++;
    }
    return open;
  }

  takeLease(keyId: string, nowMs: number, expiresAt: number): string {
    this.#seen(nowMs);
    const id = `${this.#o.incarnation}.${++this.#leaseCount}`;
    this.#leases.set(id, { keyId, expiresAt });
    this.#write(() => this.#o.store.putLease(id, keyId, expiresAt));
    return id;
  }

  /** False when the lease is gone or has expired: its slot may be someone else's by now. */
  renewLease(id: string, nowMs: number, expiresAt: number): boolean {
    const lease = this.#leases.get(id);
    if (!lease || lease.expiresAt <= nowMs) return false;
    lease.expiresAt = expiresAt;
    this.#write(() => this.#o.store.putLease(id, lease.keyId, expiresAt));
    return true;
  }

  releaseLease(id: string): void {
    if (this.#leases.delete(id)) this.#write(() => this.#o.store.releaseLease(id));
  }

  /** Counted in memory and written as one row update per key, scope and kind per flush. */
  countRefusal(keyId: string, scope: LimitScope, kind: LimitKind, nowMs: number, count = 1): void {
    this.#seen(nowMs);
    const slot = `${keyId}\n${scope}\n${kind}`;
    const entry = this.#refusals.get(slot);
    if (entry) {
      entry.count += count;
      entry.lastAt = Math.max(entry.lastAt, nowMs);
    } else {
      this.#refusals.set(slot, { keyId, scope, kind, count, lastAt: nowMs });
      this.#o.scheduleFlush();
    }
  }

  /** Writes everything pending in one transaction; at most once a minute, also prunes. */
  flush(): void {
    const writes = this.#writes;
    const refusals = [...this.#refusals.values()];
    const now = this.#lastNowMs;
    const prune = now - this.#prunedAt >= MINUTE_MS;
    if (!writes.length && !refusals.length && !prune) return;
    this.#writes = [];
    this.#refusals.clear();
    if (prune) this.#pruneMemory(now);
    this.#o.transaction(() => {
      for (const write of writes) write();
      for (const r of refusals) this.#o.store.addRefusals(r.keyId, r.scope, r.kind, r.count, r.lastAt);
      if (prune) this.#o.store.prune(now - MINUTE_MS, now, dayOf(now) - 1);
    });
  }

  #write(write: () => void): void {
    if (this.#writes.push(write) === 1) this.#o.scheduleFlush();
  }

  /** The latest time a caller reported: what a flush prunes against (the object reads no clock). */
  #seen(nowMs: number): void {
    if (nowMs > this.#lastNowMs) this.#lastNowMs = nowMs;
  }

  #pruneMemory(nowMs: number): void {
    this.#prunedAt = nowMs;
    for (const [scope, window] of this.#windows) if (window.count(nowMs) === 0) this.#windows.delete(scope);
    for (const [scope, entry] of this.#tokens) if (entry.day < dayOf(nowMs)) this.#tokens.delete(scope);
    for (const [id, lease] of this.#leases) if (lease.expiresAt <= nowMs) this.#leases.delete(id);
  }
}
