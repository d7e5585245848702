// The one Hono environment type: bindings come from `wrangler types`
// (worker-configuration.d.ts), variables are what middleware put on the context.
import type { TenantSnapshot } from "./registry/compile-tenant";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** performance.now() when the request entered the gateway. */
    startedAt: number;
    tenant: TenantSnapshot;
    apiKeyId: string;
  };
};
