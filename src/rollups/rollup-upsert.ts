// SQL that folds interactions into version_rollups (docs/stats.md). The
// caller supplies a SELECT of the interactions to count, one row each, with
// columns tenant_id, request_id, task, created_at, adapter_version, audience,
// adapter, status, prompt_tokens, completion_tokens, latency_ms, ttft_ms and
// bucket (src/stats/latency-histogram.ts); this adds the feedback already
// stored on them and upserts one row per (tenant, task, hour, version,
// audience). Counting happens in SQL, inside the caller's D1 batch, so a
// rollup moves in the same transaction as the rows it counts: nothing is
// counted twice when a queue message comes back, nor lost when a write fails.
export const HOUR_MS = 3_600_000;

/** Counter columns summed on conflict (latency_hist is merged separately). */
const COUNTERS = [
  "requests",
  "ok",
  "upstream_errors",
  "timeouts",
  "client_aborted",
  "prompt_tokens",
  "completion_tokens",
  "latency_ms_sum",
  "ttft_ms_sum",
  "ttft_count",
  "rated",
  "positive",
  "negative",
  "scored",
  "score_sum",
  "score_sq_sum",
  "corrections",
] as const;

const KEY = ["tenant_id", "task", "hour", "adapter_version", "audience"] as const;

/**
 * Per interaction, its feedback so far: feedback may arrive before the
 * interaction is logged (it is stored anyway), and is counted here, once,
 * when the interaction lands.
 */
const withFeedback = (source: string) => `
  SELECT s.tenant_id, s.task, s.created_at, s.adapter_version, s.audience, s.adapter, s.status,
         s.prompt_tokens, s.completion_tokens, s.latency_ms, s.ttft_ms, s.bucket,
         count(f.rating) AS rated, coalesce(sum(f.rating = 1), 0) AS positive, coalesce(sum(f.rating = -1), 0) AS negative,
         count(f.score) AS scored, total(f.score) AS score_sum, total(f.score * f.score) AS score_sq_sum,
         count(f.correction) AS corrections
    FROM (${source}) s
    LEFT JOIN feedback f ON f.tenant_id = s.tenant_id AND f.request_id = s.request_id
   GROUP BY s.tenant_id, s.request_id`;

/** Per rollup key and latency bucket; the outer query turns the buckets into the JSON histogram. */
const byBucket = (source: string) => `
  SELECT tenant_id, task, created_at - created_at % ${HOUR_MS} AS hour,
         coalesce(adapter_version, '') AS adapter_version, coalesce(audience, '') AS audience, bucket,
         max(adapter) AS adapter, count(*) AS requests,
         sum(status = 'ok') AS ok, sum(status = 'upstream_error') AS upstream_errors,
         sum(status = 'timeout') AS timeouts, sum(status = 'client_aborted') AS client_aborted,
         coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens,
         coalesce(sum(latency_ms), 0) AS latency_ms_sum, coalesce(sum(ttft_ms), 0) AS ttft_ms_sum, count(ttft_ms) AS ttft_count,
         sum(rated) AS rated, sum(positive) AS positive, sum(negative) AS negative, sum(scored) AS scored,
         total(score_sum) AS score_sum, total(score_sq_sum) AS score_sq_sum, sum(corrections) AS corrections
    FROM (${withFeedback(source)})
   GROUP BY tenant_id, task, hour, adapter_version, audience, bucket`;

/** Adds two sparse histograms {bucket: count} key by key. */
const MERGE_HIST =
  "(SELECT json_group_object(key, n) FROM (SELECT key, sum(value) AS n FROM " +
  "(SELECT key, value FROM json_each(version_rollups.latency_hist) UNION ALL SELECT key, value FROM json_each(excluded.latency_hist)) GROUP BY key))";

/** One INSERT … ON CONFLICT DO UPDATE that adds the interactions `source` selects to their rollup rows. */
export function rollupInteractionsSql(source: string): string {
  const columns = [...KEY, "adapter", ...COUNTERS, "latency_hist"];
  return (
    `INSERT INTO version_rollups (${columns.join(", ")}) ` +
    `SELECT ${KEY.join(", ")}, max(adapter), ${COUNTERS.map((c) => `sum(${c})`).join(", ")}, json_group_object(bucket, requests) ` +
    `FROM (${byBucket(source)}) ` +
    // WHERE true keeps ON CONFLICT from parsing as part of the SELECT (SQLite's upsert docs).
    `WHERE true GROUP BY ${KEY.join(", ")} ` +
    `ON CONFLICT (${KEY.join(", ")}) DO UPDATE SET ` +
    [
      "adapter = coalesce(excluded.adapter, version_rollups.adapter)",
      ...COUNTERS.map((c) => `${c} = version_rollups.${c} + excluded.${c}`),
      `latency_hist = ${MERGE_HIST}`,
    ].join(", ")
  );
}
