// Puts what every handler needs on the context: the validated config, the
// clock and the per-isolate caches (registry, upstreams, denials). A configuration error answers every request
// with 503 config_error naming the setting (see config.ts), so a deployment
// with a missing secret fails loudly instead of misbehaving quietly.
import { createMiddleware } from "hono/factory";
import type { Clock } from "../clock";
import { readConfig, type GatewayConfig } from "../config";
import type { AppEnv } from "../env";
import { configError } from "../errors";
import type { DenialCache } from "../limits/denial-cache";
import type { RegistryCache } from "../registry/registry-cache";
import type { UpstreamPool } from "../upstreams/upstream-pool";

export interface GatewayContextOptions {
  clock: Clock;
  registry: RegistryCache;
  upstreams: UpstreamPool;
  denials: DenialCache;
  /** Told the config each time a request reads it. */
  onConfig?: (config: GatewayConfig) => void;
}

export function gatewayContext(options: GatewayContextOptions) {
  return createMiddleware<AppEnv>(async function gatewayContext(c, next) {
    const result = readConfig(c.env);
    if (!result.ok) throw configError(result.setting, result.problem);
    options.onConfig?.(result.config);
    c.set("config", result.config);
    c.set("clock", options.clock);
    c.set("registry", options.registry);
    c.set("upstreams", options.upstreams);
    c.set("denials", options.denials);
    await next();
  });
}
