// The chat handler's side of the limits: one RPC to the tenant's
// TenantLimiter before the upstream is called, and what follows from its
// answer. A refusal throws 429 rate_limit_exceeded with retry-after and the
// x-ratelimit-* headers; it happens before runChat, so it leaves no
// interaction record (the limiter counts it instead). An admission returns
// the headers for the answer and a settle() for the end of the request,
// which releases the stream's lease and records the tokens, in waitUntil and
// only when there is a lease or a token budget to feed.
// The limiter failing is a 503 (limiter_unavailable), not a free pass: an
// object that cannot keep up is most likely the flooding tenant's own.
import type { Clock } from "../clock";
import { limiterUnavailable, rateLimitExceeded } from "../errors";
import type { CompiledLimits } from "../routing/compiled";
import type { LimitValues } from "../schemas/manifest";
import type { DenialCache } from "./denial-cache";
import type { Admission } from "./limit-types";
import { rateLimitHeaders, refusalMessage } from "./rate-limit-headers";
import type { TenantLimiter } from "./tenant-limiter";

export interface AdmitChatOptions {
  limiter: DurableObjectNamespace<TenantLimiter>;
  tenant: string;
  limits: CompiledLimits;
  /** What the limits were built from, for the denial cache: the snapshot's tenant limits and the key's own. */
  limitSources: LimitSources;
  denials: DenialCache;
  keyId: string;
  stream: boolean;
  clock: Clock;
  /** Lifetime of a stream's lease; renewed every third of it while the stream runs. */
  leaseMs: number;
  waitUntil: (promise: Promise<unknown>) => void;
}

export interface LimitSources {
  tenant: object | null;
  key: object | null;
}

export interface ChatLimits {
  /** x-ratelimit-* for the answer. */
  headers: Record<string, string>;
  /** Once the request has ended: its prompt + completion tokens. Only the first call counts. */
  settle(tokens: number): void;
}

/**
 * What limits one key's request: the tenant's, and the key's own limits when
 * it has them (they replace the manifest's per_key for that key). null when
 * nothing limits it: the request then makes no limiter call at all.
 */
export function limitsFor(tenant: CompiledLimits | null, key: Readonly<LimitValues> | null): CompiledLimits | null {
  if (!key) return tenant;
  return { tenant: tenant?.tenant ?? null, perKey: key };
}

export const logFailure = (what: string, tenant: string) => (error: unknown) =>
  console.error(JSON.stringify({ msg: `limiter ${what} failed`, tenant, error: String(error) }));

export async function admitChat(options: AdmitChatOptions): Promise<ChatLimits> {
  const { clock, tenant, keyId, leaseMs, waitUntil } = options;
  const stub = options.limiter.getByName(tenant);
  let admission: Admission;
  const nowMs = clock.nowMs();
  try {
    admission = await stub.admit({
      keyId,
      tenantLimits: options.limits.tenant,
      keyLimits: options.limits.perKey,
      stream: options.stream,
      nowMs,
      leaseMs,
      refusedLocally: options.denials.take(tenant, keyId, nowMs, true),
    });
  } catch (error) {
    logFailure("admit", tenant)(error);
    throw limiterUnavailable();
  }
  const headers = rateLimitHeaders(admission);
  const { refusal, leaseId } = admission;
  if (refusal) options.denials.remember(tenant, keyId, options.limitSources, admission, nowMs);
  if (refusal)
    throw rateLimitExceeded(
      refusal.kind === "tokens" ? "tokens" : "requests",
      refusalMessage(tenant, refusal),
      headers,
    );

  const budget = options.limits.tenant?.tokens_per_day ?? options.limits.perKey?.tokens_per_day;
  if (leaseId === null && budget === undefined) return { headers, settle() {} };
  // A stream may outlive one lease; renewing it at a third of its life leaves two chances per lease.
  const renewal =
    leaseId === null
      ? undefined
      : setInterval(() => {
          waitUntil(stub.renew({ leaseId, nowMs: clock.nowMs(), leaseMs }).catch(logFailure("renew", tenant)));
        }, leaseMs / 3);
  let settled = false;
  return {
    headers,
    settle(tokens) {
      if (settled) return;
      settled = true;
      clearInterval(renewal);
      waitUntil(stub.settle({ keyId, leaseId, tokens, nowMs: clock.nowMs() }).catch(logFailure("settle", tenant)));
    },
  };
}
