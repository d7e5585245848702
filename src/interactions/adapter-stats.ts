// Per-adapter-version figures for one tenant, from the interaction log and
// its feedback: what an operator compares before promoting a version.
export async function adapterStats(db: D1Database, tenant: string, since: number) {
  const { results } = await db
    .prepare(
      `SELECT i.task, i.adapter, i.adapter_version,
              COUNT(*) AS requests,
              SUM(i.status = 'ok') AS ok,
              SUM(i.status = 'upstream_error') AS upstream_errors,
              SUM(i.status = 'timeout') AS timeouts,
              SUM(i.status = 'client_aborted') AS client_aborted,
              ROUND(AVG(i.latency_ms), 1) AS avg_latency_ms,
              ROUND(AVG(i.ttft_ms), 1) AS avg_ttft_ms,
              SUM(i.completion_tokens) AS completion_tokens,
              (SELECT COUNT(*) FROM feedback f JOIN interactions j ON j.request_id = f.request_id AND j.tenant_id = f.tenant_id
                WHERE f.tenant_id = i.tenant_id AND j.adapter_version IS i.adapter_version AND j.task = i.task AND j.created_at >= ? AND f.rating = 1) AS thumbs_up,
              (SELECT COUNT(*) FROM feedback f JOIN interactions j ON j.request_id = f.request_id AND j.tenant_id = f.tenant_id
                WHERE f.tenant_id = i.tenant_id AND j.adapter_version IS i.adapter_version AND j.task = i.task AND j.created_at >= ? AND f.rating = -1) AS thumbs_down
       FROM interactions i
       WHERE i.tenant_id = ? AND i.created_at >= ?
       GROUP BY i.task, i.adapter, i.adapter_version
       ORDER BY i.task, i.adapter_version`,
    )
    .bind(since, since, tenant, since)
    .all();
  return results;
}
