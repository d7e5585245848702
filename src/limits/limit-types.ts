// The limiter's RPC shapes, shared by the TenantLimiter Durable Object and
// its callers (admit-chat.ts, the admin route). Plain data only: RPC
// arguments and results cross isolates by structured clone. Times are epoch
// ms from the caller's clock; the limiter reads no clock of its own, so a
// test (or an isolate) decides what "now" is.
import type { LimitValues } from "../schemas/manifest";

export type LimitScope = "tenant" | "key";
export type LimitKind = "requests" | "tokens" | "streams";

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** The UTC day number a token budget counts in. */
export const dayOf = (epochMs: number): number => Math.floor(epochMs / DAY_MS);

/** A stored limits column: null when it sets nothing. */
export function parseKeyLimits(text: string | null): LimitValues | null {
  if (!text) return null;
  const limits = JSON.parse(text) as LimitValues;
  return Object.values(limits).some((v) => v !== undefined) ? limits : null;
}

export interface AdmitRequest {
  keyId: string;
  /** The tenant's limits (all keys together); null = none. */
  tenantLimits: Readonly<LimitValues> | null;
  /** This key's limits on its own; null = none. */
  keyLimits: Readonly<LimitValues> | null;
  stream: boolean;
  nowMs: number;
  /** How long a stream's slot is held unless the lease is renewed. */
  leaseMs: number;
  /** Refusals of this key the caller answered itself since it last asked (denial-cache.ts), to count. */
  refusedLocally?: LocalRefusals | null;
}

/** Refusals an isolate answered from its denial cache, for the operator's counts. */
export interface LocalRefusals {
  scope: LimitScope;
  kind: LimitKind;
  count: number;
  lastAt: number;
}

export interface CountRefusalsRequest {
  keyId: string;
  refusals: LocalRefusals;
}

/** One dimension for OpenAI's x-ratelimit-* headers: the tighter of the tenant's and the key's. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** ms until the limit is back to its full amount. */
  resetMs: number;
}

export interface Refusal {
  scope: LimitScope;
  kind: LimitKind;
  limit: number;
  used: number;
  /** ms until every limit that refused would admit the request again. */
  retryAfterMs: number;
}

export interface Admission {
  /** null when neither the tenant nor the key sets requests_per_minute. */
  requests: LimitState | null;
  /** null when neither sets tokens_per_day. */
  tokens: LimitState | null;
  /** The limit that refused the request; null when it is admitted. */
  refusal: Refusal | null;
  /** The stream's lease, to renew while it runs and release when it ends; null for no lease. */
  leaseId: string | null;
}

export interface SettleRequest {
  keyId: string;
  leaseId: string | null;
  /** prompt + completion tokens of the finished request, counted into today's usage. */
  tokens: number;
  nowMs: number;
}

export interface RenewRequest {
  leaseId: string;
  nowMs: number;
  leaseMs: number;
}

export interface UsageCounts {
  /** Admitted in the last 60 s (tracked only where requests_per_minute is set). */
  requests_last_minute: number;
  /** Recorded for today's UTC day. */
  tokens_today: number;
  open_streams: number;
}

export type RefusalCounts = Record<LimitKind, number>;

export interface KeyStatus {
  key_id: string;
  usage: UsageCounts;
  /** Refusals of this key's requests, whichever limit (the tenant's or its own) refused them. */
  refusals: RefusalCounts;
  last_refused_at: number | null;
}

/** The tenant as a whole (all its keys), and each key seen. */
export interface LimiterStatus {
  /** The UTC date tokens_today counts. */
  day: string;
  usage: UsageCounts;
  refusals: RefusalCounts;
  last_refused_at: number | null;
  keys: KeyStatus[];
}
