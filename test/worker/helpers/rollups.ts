// Rollup rows next to what a direct count over the raw interactions and
// feedback rows gives, for tests that check version_rollups (docs/stats.md).
import { env } from "cloudflare:workers";
import { latencyBucket } from "../../../src/stats/latency-histogram";

export interface RollupCounts {
  key: string;
  requests: number;
  ok: number;
  upstream_errors: number;
  timeouts: number;
  client_aborted: number;
  prompt_tokens: number;
  completion_tokens: number;
  latency_ms_sum: number;
  ttft_ms_sum: number;
  ttft_count: number;
  rated: number;
  positive: number;
  negative: number;
  scored: number;
  score_sum: number;
  score_sq_sum: number;
  corrections: number;
  latency_hist: Record<string, number>;
}

const HOUR = 3_600_000;
const keyOf = (r: Record<string, unknown>) => `${r.task}|${r.hour}|${r.adapter_version ?? ""}|${r.audience ?? ""}`;

/** The tenant's rollup rows for one task, keyed "task|hour|version|audience". */
export async function rollupRows(tenant: string, task: string): Promise<Map<string, RollupCounts>> {
  const { results } = await env.DB.prepare("SELECT * FROM version_rollups WHERE tenant_id = ? AND task = ?")
    .bind(tenant, task)
    .all<Record<string, unknown>>();
  const rows = new Map<string, RollupCounts>();
  for (const r of results) {
    const hist = JSON.parse(String(r.latency_hist)) as Record<string, number>;
    const { tenant_id, task, hour, adapter_version, audience, adapter, ...counts } = r;
    rows.set(keyOf(r), { ...(counts as unknown as RollupCounts), key: keyOf(r), latency_hist: hist });
  }
  return rows;
}

/** The same figures counted straight from interactions and feedback, in JS. */
export async function directCounts(tenant: string, task: string): Promise<Map<string, RollupCounts>> {
  const { results: interactions } = await env.DB.prepare(
    "SELECT request_id, task, created_at, adapter_version, audience, status, prompt_tokens, completion_tokens, latency_ms, ttft_ms FROM interactions WHERE tenant_id = ? AND task = ?",
  )
    .bind(tenant, task)
    .all<Record<string, number | string | null>>();
  const { results: feedback } = await env.DB.prepare(
    "SELECT request_id, rating, score, correction FROM feedback WHERE tenant_id = ?",
  )
    .bind(tenant)
    .all<{ request_id: string; rating: number; score: number | null; correction: string | null }>();
  const rows = new Map<string, RollupCounts>();
  for (const i of interactions) {
    const key = keyOf({ ...i, hour: Number(i.created_at) - (Number(i.created_at) % HOUR) });
    const row =
      rows.get(key) ??
      ({
        key,
        requests: 0,
        ok: 0,
        upstream_errors: 0,
        timeouts: 0,
        client_aborted: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        latency_ms_sum: 0,
        ttft_ms_sum: 0,
        ttft_count: 0,
        rated: 0,
        positive: 0,
        negative: 0,
        scored: 0,
        score_sum: 0,
        score_sq_sum: 0,
        corrections: 0,
        latency_hist: {},
      } satisfies RollupCounts);
    rows.set(key, row);
    row.requests++;
    if (i.status === "ok") row.ok++;
    if (i.status === "upstream_error") row.upstream_errors++;
    if (i.status === "timeout") row.timeouts++;
    if (i.status === "client_aborted") row.client_aborted++;
    row.prompt_tokens += Number(i.prompt_tokens ?? 0);
    row.completion_tokens += Number(i.completion_tokens ?? 0);
    row.latency_ms_sum += Number(i.latency_ms);
    if (i.ttft_ms !== null) {
      row.ttft_ms_sum += Number(i.ttft_ms);
      row.ttft_count++;
    }
    const bucket = String(latencyBucket(Number(i.latency_ms)));
    row.latency_hist[bucket] = (row.latency_hist[bucket] ?? 0) + 1;
    for (const f of feedback.filter((f) => f.request_id === i.request_id)) {
      row.rated++;
      if (f.rating === 1) row.positive++;
      if (f.rating === -1) row.negative++;
      if (f.score !== null) {
        row.scored++;
        row.score_sum += f.score;
        row.score_sq_sum += f.score * f.score;
      }
      if (f.correction !== null) row.corrections++;
    }
  }
  return rows;
}

/** Rounds the float sums so two ways of adding the same scores compare equal. */
export function comparable(rows: Map<string, RollupCounts>) {
  return [...rows.values()]
    .map((r) => ({ ...r, score_sum: Number(r.score_sum.toFixed(9)), score_sq_sum: Number(r.score_sq_sum.toFixed(9)) }))
    .sort((a, b) => a.key.localeCompare(b.key));
}
