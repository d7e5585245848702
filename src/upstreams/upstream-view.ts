// What GET /admin/upstreams and /admin/tenants/{tenant}/upstreams show: for
// each of a tenant's upstreams and replicas, this isolate's circuit state,
// consecutive failures, last error, which of the tenant's versions the
// replica holds and when its inventory was read. Health is per isolate (a
// passive breaker learns from its own traffic), so another isolate may see
// it differently; the inventory of a stale replica is read before answering.
import type { TenantSnapshot } from "../routing/compiled";
import { replicasOf } from "./replica-url";
import { breakerSettings, type UpstreamPool } from "./upstream-pool";

/**
 * `waitUntil` given: stale inventories are read in the background and the
 * answer shows what is known now (the all-tenants view, which must not wait
 * on every server); without it they are read before answering.
 */
export async function describeUpstreams(
  pool: UpstreamPool,
  tenant: TenantSnapshot,
  env: Env,
  waitUntil?: (promise: Promise<unknown>) => void,
) {
  const targets = [...tenant.adapters.values()];
  const reads: Promise<void>[] = [];
  for (const upstream of tenant.upstreams.values()) {
    for (const url of replicasOf(upstream)) {
      if (!pool.inventory.isStale(url)) continue;
      const read = pool.inventory.refresh(url, upstream, env);
      if (waitUntil) waitUntil(read);
      else reads.push(read);
    }
  }
  await Promise.all(reads);

  return [...tenant.upstreams.values()].map((upstream) => {
    const served = targets.filter((t) => t.upstream.id === upstream.id);
    const urls = replicasOf(upstream);
    const settings = breakerSettings(upstream);
    return {
      id: upstream.id,
      kind: upstream.kind,
      dialect: upstream.dialect ?? null,
      breaker: { failures: settings.failures, cooldown_ms: settings.cooldownMs },
      replicas: urls.map((url) => {
        const b = pool.breaker(tenant.tenant, upstream.id, url);
        const inventory = pool.inventory.get(url);
        return {
          url,
          state: b.state,
          consecutive_failures: b.consecutiveFailures,
          last_error: b.lastError,
          last_error_at: b.lastErrorAt,
          // Only this tenant's versions: what else a shared server holds is other tenants' business.
          loaded: served
            .filter((t) => inventory.names.has(t.adapter.served_name))
            .map((t) => ({ version: t.adapter.version, served_name: t.adapter.served_name })),
          inventory_read_at: inventory.readAt,
          inventory_error: inventory.error,
        };
      }),
    };
  });
}
