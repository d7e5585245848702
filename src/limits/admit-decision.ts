// The admission decision of one chat request against the tenant's limits and
// the key's own, run inside the TenantLimiter object (synchronously, so no
// other request interleaves). Every limit is checked before anything is
// recorded: a refused request takes nothing, and a request refused by one
// limit does not count against another.
// - requests_per_minute: an exact sliding window (sliding-window.ts); the
//   (N+1)th request within any 60 s is refused.
// - tokens_per_day: refused once the day's recorded usage has reached the
//   budget. Usage is recorded when a request ends (settle), so the requests
//   admitted while the budget was not yet reached may overshoot it by their
//   own usage; a budget is a stop, not a reservation (docs/limits.md).
// - max_concurrent_streams: a stream holds a lease until it ends or the lease
//   expires (a stream whose isolate died frees its slot then).
import {
  dayOf,
  DAY_MS,
  MINUTE_MS,
  type Admission,
  type AdmitRequest,
  type LimitState,
  type Refusal,
} from "./limit-types";
import type { LimiterState } from "./limiter-state";
import { TENANT_SCOPE } from "./limiter-store";

/** Retry hint for a stream refusal: when a stream ends cannot be known, so a client polls. */
export const STREAM_RETRY_MS = 1000;

/** The state with less remaining (ties: the one that resets later). */
function tighter(a: LimitState | null, b: LimitState): LimitState {
  if (!a || b.remaining < a.remaining || (b.remaining === a.remaining && b.resetMs > a.resetMs)) return b;
  return a;
}

export function decide(state: LimiterState, request: AdmitRequest): Admission {
  const { nowMs, stream } = request;
  const untilTomorrow = (dayOf(nowMs) + 1) * DAY_MS - nowMs;
  const scopes = [
    { scope: "tenant" as const, id: TENANT_SCOPE, limits: request.tenantLimits },
    { scope: "key" as const, id: request.keyId, limits: request.keyLimits },
  ];

  // The requests state as it stands (reported on a refusal) and as it will be once admitted.
  let requestsNow: LimitState | null = null;
  let requestsAfter: LimitState | null = null;
  let tokens: LimitState | null = null;
  let refusal: Refusal | null = null;
  let retryAfterMs = 0;
  const refuse = (r: Refusal) => {
    refusal ??= r;
    retryAfterMs = Math.max(retryAfterMs, r.retryAfterMs);
  };
  const counted: string[] = [];
  let wantsLease = false;

  for (const { scope, id, limits } of scopes) {
    if (!limits) continue;
    const rpm = limits.requests_per_minute;
    if (rpm !== undefined) {
      const window = state.window(id, nowMs);
      const used = window.count(nowMs);
      if (used >= rpm) {
        refuse({ scope, kind: "requests", limit: rpm, used, retryAfterMs: window.oldest()! + MINUTE_MS - nowMs });
      }
      const resetMs = used ? window.newest()! + MINUTE_MS - nowMs : 0;
      requestsNow = tighter(requestsNow, { limit: rpm, remaining: Math.max(0, rpm - used), resetMs });
      requestsAfter = tighter(requestsAfter, {
        limit: rpm,
        remaining: Math.max(0, rpm - used - 1),
        resetMs: MINUTE_MS,
      });
      counted.push(id);
    }
    const budget = limits.tokens_per_day;
    if (budget !== undefined) {
      const used = state.tokensUsed(id, dayOf(nowMs));
      if (used >= budget) refuse({ scope, kind: "tokens", limit: budget, used, retryAfterMs: untilTomorrow });
      tokens = tighter(tokens, {
        limit: budget,
        remaining: Math.max(0, budget - used),
        resetMs: used ? untilTomorrow : 0,
      });
    }
    const slots = limits.max_concurrent_streams;
    if (stream && slots !== undefined) {
      wantsLease = true;
      const open = state.openLeases(nowMs, scope === "key" ? id : null);
      if (open >= slots) refuse({ scope, kind: "streams", limit: slots, used: open, retryAfterMs: STREAM_RETRY_MS });
    }
  }

  if (refusal) {
    const refused: Refusal = { ...(refusal as Refusal), retryAfterMs };
    state.countRefusal(request.keyId, refused.scope, refused.kind, nowMs);
    return { requests: requestsNow, tokens, refusal: refused, leaseId: null };
  }
  for (const id of counted) state.recordRequest(id, nowMs);
  const leaseId = wantsLease ? state.takeLease(request.keyId, nowMs, nowMs + request.leaseMs) : null;
  return { requests: requestsAfter, tokens, refusal: null, leaseId };
}
