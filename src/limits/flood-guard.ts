// The global flood guard: the Rate Limiting binding (FLOOD_GUARD in
// wrangler.toml) counts each tenant's chat completions against one fixed
// ceiling, before the body is read or the tenant's limiter is asked. Its
// limit is the same for every tenant and says nothing about what remains, so
// it is only a backstop against a runaway client; the manifest's limits
// (tenant-limiter.ts) are the exact ones. It fails open: the binding is a
// cache of counts, and the limiter behind it still refuses what it must.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { rateLimitExceeded } from "../errors";

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
