// Refusals an isolate already knows about. When the tenant's limiter refuses
// a key for requests per minute or tokens per day, it says when the key can
// be admitted again (retry-after): until then every request of that key is
// refused, whatever its body. So the isolate remembers the refusal and
// answers the key's next requests itself, before their bodies are read and
// without a limiter round trip: a flooding client costs the gateway little
// more than its authentication, which is what keeps the other tenants fast.
//
// Exact: an entry lasts until the limiter's own retry time (the request at
// that millisecond goes to the limiter again), and only while the limits it
// was refused under are the ones in force (a new manifest or key limits make
// a new object, which misses). Stream refusals are never remembered: a slot
// frees whenever a stream ends. The refusals answered here are counted for
// the operator: they ride on the key's next limiter call, or go on their own
// once FLUSH_EVERY have piled up. Per isolate, like the registry cache.
import type { Admission, LocalRefusals, Refusal } from "./limit-types";

export const FLUSH_EVERY = 100;
/** Keys remembered at most; the oldest goes first (its unreported count with it). */
export const MAX_DENIALS = 10_000;

interface Denial {
  /** Identities of the limits in force when it was refused. */
  tenantLimits: object | null;
  keyLimits: object | null;
  refusedAt: number;
  until: number;
  admission: Admission & { refusal: Refusal };
  /** Refusals answered from this entry not yet reported to the limiter. */
  unreported: number;
  lastAt: number;
}

export class DenialCache {
  readonly #entries = new Map<string, Denial>();

  /** Remembers a refusal the limiter gave (requests or tokens only). */
  remember(
    tenant: string,
    keyId: string,
    limits: { tenant: object | null; key: object | null },
    admission: Admission,
    nowMs: number,
  ): void {
    const { refusal } = admission;
    if (!refusal || refusal.kind === "streams") return;
    const slot = `${tenant}\n${keyId}`;
    this.#entries.delete(slot);
    if (this.#entries.size >= MAX_DENIALS) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(slot, {
      tenantLimits: limits.tenant,
      keyLimits: limits.key,
      refusedAt: nowMs,
      until: nowMs + refusal.retryAfterMs,
      admission: admission as Denial["admission"],
      unreported: 0,
      lastAt: nowMs,
    });
  }

  /**
   * The refusal to answer now, as the limiter would give it (retry times
   * counted down), or null when the key must ask the limiter. A hit counts
   * one local refusal.
   */
  check(
    tenant: string,
    keyId: string,
    limits: { tenant: object | null; key: object | null },
    nowMs: number,
  ): (Admission & { refusal: Refusal }) | null {
    const entry = this.#entries.get(`${tenant}\n${keyId}`);
    if (!entry) return null;
    if (nowMs >= entry.until || entry.tenantLimits !== limits.tenant || entry.keyLimits !== limits.key) return null;
    entry.unreported++;
    entry.lastAt = nowMs;
    const elapsed = nowMs - entry.refusedAt;
    const { requests, tokens, refusal } = entry.admission;
    return {
      requests: requests && { ...requests, resetMs: Math.max(0, requests.resetMs - elapsed) },
      tokens: tokens && { ...tokens, resetMs: Math.max(0, tokens.resetMs - elapsed) },
      refusal: { ...refusal, retryAfterMs: entry.until - nowMs },
      leaseId: null,
    };
  }

  /**
   * Takes the key's unreported refusals: all of them when `force` or the
   * entry has expired (it is then dropped), else only once FLUSH_EVERY have
   * piled up; null when there is nothing to report.
   */
  take(tenant: string, keyId: string, nowMs: number, force = false): LocalRefusals | null {
    const slot = `${tenant}\n${keyId}`;
    const entry = this.#entries.get(slot);
    if (!entry) return null;
    const expired = nowMs >= entry.until;
    if (expired) this.#entries.delete(slot);
    if (entry.unreported === 0 || (!force && !expired && entry.unreported < FLUSH_EVERY)) return null;
    const taken = {
      scope: entry.admission.refusal.scope,
      kind: entry.admission.refusal.kind,
      count: entry.unreported,
      lastAt: entry.lastAt,
    };
    entry.unreported = 0;
    return taken;
  }

  get size(): number {
    return this.#entries.size;
  }
}
