// The global flood guard: the Rate Limiting binding (FLOOD_GUARD in
// wrangler.toml) counts each tenant's chat completions against one fixed
// ceiling, before the body is read or the tenant's limiter is asked. Its
// limit is the same for every tenant and says nothing about what remains, so
// it is only a backstop against a runaway client; the manifest's limits
// (tenant-limiter.ts) are the exact ones. It fails open: the binding is a
// cache of counts, and the limiter behind it still refuses what it must.
//
// Behind it, knownRefusals answers a key the tenant's limiter has already
// refused, until the limiter's own retry time, from this isolate's memory
// (denial-cache.ts): also before the body is read, and with no round trip.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { rateLimitExceeded } from "../errors";
import { limitsFor, logFailure } from "./admit-chat";
import { rateLimitHeaders, refusalMessage } from "./rate-limit-headers";

/** wrangler.toml's period for FLOOD_GUARD, in seconds: how long a refused client should wait at most. */
export const FLOOD_GUARD_PERIOD_SECONDS = 60;

export function floodGuard() {
  return createMiddleware<AppEnv>(async function floodGuard(c, next) {
    const guard = c.env.FLOOD_GUARD;
    if (guard) {
      const tenant = c.get("tenant").tenant;
      let admitted = true;
      try {
        admitted = (await guard.limit({ key: tenant })).success;
      } catch (error) {
        console.error(
          JSON.stringify({ msg: "flood guard failed; letting the request through", tenant, error: String(error) }),
        );
      }
      if (!admitted) {
        throw rateLimitExceeded(
          "requests",
          `Too many requests for tenant '${tenant}': over the gateway's flood guard. Slow down and retry.`,
          { "retry-after": String(FLOOD_GUARD_PERIOD_SECONDS) },
        );
      }
    }
    await next();
  });
}

/** A refusal this isolate already has from the tenant's limiter, answered without reading the body or asking again. */
export function knownRefusals() {
  return createMiddleware<AppEnv>(async function knownRefusals(c, next) {
    const tenant = c.get("tenant");
    const keyLimits = c.get("apiKeyLimits");
    if (limitsFor(tenant.limits, keyLimits)) {
      const keyId = c.get("apiKeyId");
      const nowMs = c.get("clock").nowMs();
      const known = c.get("denials").check(tenant.tenant, keyId, { tenant: tenant.limits, key: keyLimits }, nowMs);
      if (known) {
        const refusals = c.get("denials").take(tenant.tenant, keyId, nowMs);
        if (refusals) {
          const stub = c.env.TENANT_LIMITER.getByName(tenant.tenant);
          c.executionCtx.waitUntil(
            stub.countRefusals({ keyId, refusals }).catch(logFailure("countRefusals", tenant.tenant)),
          );
        }
        const { refusal } = known;
        throw rateLimitExceeded(
          refusal.kind === "tokens" ? "tokens" : "requests",
          refusalMessage(tenant.tenant, refusal),
          rateLimitHeaders(known),
        );
      }
    }
    await next();
  });
}
