// Per-adapter-version figures for one tenant, across its tasks: what an
// operator compares before promoting a version (GET /admin/tenants/{tenant}/stats).
// Read from version_rollups (docs/stats.md) on its (tenant_id, hour) index, so
// the cost is the tenant's rollup rows since `since`, not its interactions;
// hour-grained: the hour that contains `since` is counted whole.
import { hourOf } from "../rollups/rollup-reader";

export async function adapterStats(db: D1Database, tenant: string, since: number) {
  const { results } = await db
    .prepare(
      `SELECT task, max(adapter) AS adapter, nullif(adapter_version, '') AS adapter_version,
              SUM(requests) AS requests,
              SUM(ok) AS ok,
              SUM(upstream_errors) AS upstream_errors,
              SUM(timeouts) AS timeouts,
              SUM(client_aborted) AS client_aborted,
              ROUND(1.0 * SUM(latency_ms_sum) / SUM(requests), 1) AS avg_latency_ms,
              ROUND(1.0 * SUM(ttft_ms_sum) / nullif(SUM(ttft_count), 0), 1) AS avg_ttft_ms,
              SUM(completion_tokens) AS completion_tokens,
              SUM(positive) AS thumbs_up,
              SUM(negative) AS thumbs_down
         FROM version_rollups
        WHERE tenant_id = ? AND hour >= ?
        GROUP BY task, adapter_version
        ORDER BY task, adapter_version`,
    )
    .bind(tenant, hourOf(since))
    .all();
  return results;
}
