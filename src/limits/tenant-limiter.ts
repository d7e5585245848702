// TenantLimiter: one SQLite-backed Durable Object per tenant (idFromName of
// the tenant id) holding every limit of the tenant and of its keys. One
// object per tenant means one tenant's flood queues only on its own object,
// never on another tenant's. A Durable Object handles one event at a time
// and admit() runs without awaiting anything, so a decision and its
// bookkeeping are atomic: a limit trips at exactly its number. (The Rate
// Limiting binding cannot do this: its limit is fixed in wrangler.toml and
// limit() says only yes or no, nothing about what remains.)
//
// The caller pays one round trip per chat request (admit), which never waits
// for a storage commit: the state lives in memory and is written behind
// (limiter-state.ts). Releasing a stream's slot and counting the tokens
// (settle) and renewing a long stream's lease (renew) run after the answer
// is under way, in waitUntil.
import { DurableObject } from "cloudflare:workers";
import { decide } from "./admit-decision";
import {
  dayOf,
  DAY_MS,
  MINUTE_MS,
  type Admission,
  type AdmitRequest,
  type CountRefusalsRequest,
  type LimitKind,
  type LimiterStatus,
  type RefusalCounts,
  type RenewRequest,
  type SettleRequest,
  type UsageCounts,
} from "./limit-types";
import { FLUSH_MS, LimiterState } from "./limiter-state";
import { LimiterStore, TENANT_SCOPE } from "./limiter-store";

export class TenantLimiter extends DurableObject<Env> {
  readonly #store: LimiterStore;
  readonly #state: LimiterState;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new LimiterStore(ctx.storage.sql);
    this.#state = new LimiterState({
      store: this.#store,
      transaction: (write) => ctx.storage.transactionSync(write),
      scheduleFlush: () => {
        this.#flushTimer ??= setTimeout(() => {
          this.#flushTimer = null;
          this.#state.flush();
        }, FLUSH_MS);
      },
      incarnation: crypto.randomUUID().slice(0, 8),
    });
  }

  /** Decides one chat request and, when admitted, records it (and takes a stream lease). */
  admit(request: AdmitRequest): Admission {
    if (request.refusedLocally) this.countRefusals({ keyId: request.keyId, refusals: request.refusedLocally });
    return decide(this.#state, request);
  }

  /** Counts refusals a caller answered from its denial cache (src/limits/denial-cache.ts). */
  countRefusals({ keyId, refusals: r }: CountRefusalsRequest): void {
    if (r.count > 0) this.#state.countRefusal(keyId, r.scope, r.kind, r.lastAt, r.count);
  }

  /** Releases a stream's lease (if any) and adds the finished request's tokens to today's usage. */
  settle(request: SettleRequest): void {
    if (request.leaseId !== null) this.#state.releaseLease(request.leaseId);
    if (request.tokens > 0) {
      this.#state.addTokens(TENANT_SCOPE, request.nowMs, request.tokens);
      this.#state.addTokens(request.keyId, request.nowMs, request.tokens);
    }
  }

  /** Extends a running stream's lease; false when it had already expired (its slot may be taken). */
  renew(request: RenewRequest): boolean {
    return this.#state.renewLease(request.leaseId, request.nowMs, request.nowMs + request.leaseMs);
  }

  /** Usage and refusal counts of the tenant and of each key seen, for the operator (writes what is pending first). */
  status(nowMs: number): LimiterStatus {
    this.#state.flush();
    const store = this.#store;
    const day = dayOf(nowMs);
    const requests = store.requestsByScope(nowMs - MINUTE_MS);
    const tokens = store.tokensByScope(day);
    const leases = store.leasesByKey(nowMs);
    const refusals = store.refusals();
    const usage = (scope: string): UsageCounts => ({
      requests_last_minute: requests.get(scope) ?? 0,
      tokens_today: tokens.get(scope) ?? 0,
      open_streams: scope === TENANT_SCOPE ? [...leases.values()].reduce((a, b) => a + b, 0) : (leases.get(scope) ?? 0),
    });
    const counts = (rows: typeof refusals) => {
      const out: RefusalCounts = { requests: 0, tokens: 0, streams: 0 };
      for (const r of rows) out[r.kind as LimitKind] += r.count;
      return out;
    };
    const lastAt = (rows: typeof refusals) => (rows.length ? Math.max(...rows.map((r) => r.last_at)) : null);
    const keyIds = new Set([...requests.keys(), ...tokens.keys(), ...leases.keys(), ...refusals.map((r) => r.key_id)]);
    keyIds.delete(TENANT_SCOPE);
    return {
      day: new Date(day * DAY_MS).toISOString().slice(0, 10),
      usage: usage(TENANT_SCOPE),
      refusals: counts(refusals),
      last_refused_at: lastAt(refusals),
      keys: [...keyIds].sort().map((keyId) => {
        const own = refusals.filter((r) => r.key_id === keyId);
        return { key_id: keyId, usage: usage(keyId), refusals: counts(own), last_refused_at: lastAt(own) };
      }),
    };
  }
}
