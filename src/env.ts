// The one Hono environment type: bindings come from `wrangler types`
// (worker-configuration.d.ts), variables are what middleware put on the context.
import type { Clock } from "./clock";
import type { GatewayConfig } from "./config";
import type { TenantSnapshot } from "./routing/compiled";
import type { RegistryCache } from "./registry/registry-cache";
import type { DenialCache } from "./limits/denial-cache";
import type { LimitValues } from "./schemas/manifest";
import type { UpstreamPool } from "./upstreams/upstream-pool";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** x-client-request-id, when the caller sent one. */
    clientRequestId?: string;
    /** clock.monotonicMs() when the request entered the gateway. */
    startedAt: number;
    config: GatewayConfig;
    clock: Clock;
    registry: RegistryCache;
    /** Refusals this isolate answers itself until their retry time (src/limits/denial-cache.ts). */
    denials: DenialCache;
    /** Replica health, inventory and LoRA loads of this isolate (src/upstreams). */
    upstreams: UpstreamPool;
    tenant: TenantSnapshot;
    apiKeyId: string;
    /** The key's own limits (src/limits); null = the manifest's per_key. */
    apiKeyLimits: Readonly<LimitValues> | null;
  };
};
