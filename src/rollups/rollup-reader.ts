// Reads version_rollups for stats and rollout decisions (docs/stats.md): one
// range scan on the primary key (tenant, task, hour, …), so the rows read are
// the rollup rows of the range, whatever the interaction count; the sums
// are taken here. D1 allows 100 bound parameters per statement, so at most
// MAX_VERSIONS versions per call.
import { LATENCY_BUCKETS } from "../stats/latency-histogram";
import { addTotals, emptyTotals, errorCount, type Totals } from "../stats/version-stats";
import { HOUR_MS } from "./rollup-upsert";

export const MAX_VERSIONS = 90;
const DAY_MS = 24 * HOUR_MS;

export type Interval = "hour" | "day";

export interface ArmTotalsQuery {
  tenant: string;
  task: string;
  /** Only these versions; all of the task's when absent. */
  versions?: readonly string[];
  /** epoch ms; the hour that contains it is the first one read (rollups are hourly). */
  sinceMs: number;
  /** epoch ms, exclusive; hours that start before it are read. Open-ended when absent. */
  untilMs?: number;
  /** One row per (version, audience) instead of per version. */
  byAudience?: boolean;
  /** One row per period (UTC hour or day) as well. */
  interval?: Interval;
}

export interface ArmTotals extends Totals {
  version: string;
  adapter: string | null;
  /** With byAudience: the audience, null for requests that named none. */
  audience?: string | null;
  /** With interval: epoch ms of the period's start. */
  periodStart?: number;
  /** upstream_error + timeout (a client that hung up is not an error). */
  errors: number;
}

interface RollupRow {
  hour: number;
  adapter_version: string;
  audience: string;
  adapter: string | null;
  requests: number;
  ok: number;
  upstream_errors: number;
  timeouts: number;
  client_aborted: number;
  prompt_tokens: number;
  completion_tokens: number;
  latency_ms_sum: number;
  rated: number;
  positive: number;
  negative: number;
  scored: number;
  score_sum: number;
  score_sq_sum: number;
  corrections: number;
  latency_hist: string;
}

/** The hour that contains t. */
export const hourOf = (t: number) => t - (((t % HOUR_MS) + HOUR_MS) % HOUR_MS);
export const periodOf = (hour: number, interval: Interval) => (interval === "day" ? hour - (hour % DAY_MS) : hour);

function totalsOf(row: RollupRow): Totals {
  const totals = emptyTotals(LATENCY_BUCKETS);
  Object.assign(totals, {
    requests: row.requests,
    ok: row.ok,
    upstreamErrors: row.upstream_errors,
    timeouts: row.timeouts,
    clientAborted: row.client_aborted,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    latencyMsSum: row.latency_ms_sum,
    rated: row.rated,
    positive: row.positive,
    negative: row.negative,
    scored: row.scored,
    scoreSum: row.score_sum,
    scoreSqSum: row.score_sq_sum,
    corrections: row.corrections,
  });
  for (const [bucket, n] of Object.entries(JSON.parse(row.latency_hist) as Record<string, number>)) {
    const i = Number(bucket);
    if (i >= 0 && i < LATENCY_BUCKETS) totals.latencyBuckets[i] += n;
  }
  return totals;
}

/** The task's rollup rows in the range, summed per version (and audience, and period when asked). */
export async function readArmTotals(db: D1Database, query: ArmTotalsQuery): Promise<ArmTotals[]> {
  const versions = query.versions ?? null;
  if (versions && versions.length === 0) return [];
  if (versions && versions.length > MAX_VERSIONS) throw new RangeError(`at most ${MAX_VERSIONS} versions per read`);
  const binds: (string | number)[] = [query.tenant, query.task, hourOf(query.sinceMs)];
  let sql =
    "SELECT hour, adapter_version, audience, adapter, requests, ok, upstream_errors, timeouts, client_aborted, " +
    "prompt_tokens, completion_tokens, latency_ms_sum, rated, positive, negative, scored, score_sum, score_sq_sum, " +
    "corrections, latency_hist FROM version_rollups WHERE tenant_id = ? AND task = ? AND hour >= ?";
  if (query.untilMs !== undefined) {
    sql += " AND hour < ?";
    binds.push(query.untilMs);
  }
  if (versions) {
    sql += ` AND adapter_version IN (${versions.map(() => "?").join(", ")})`;
    binds.push(...versions);
  }
  const { results } = await db
    .prepare(sql)
    .bind(...binds)
    .all<RollupRow>();
  const groups = new Map<string, ArmTotals>();
  for (const row of results) {
    const audience = query.byAudience ? row.audience || null : undefined;
    const periodStart = query.interval ? periodOf(row.hour, query.interval) : undefined;
    const key = JSON.stringify([row.adapter_version, audience, periodStart]);
    let group = groups.get(key);
    if (!group) {
      group = { ...emptyTotals(LATENCY_BUCKETS), version: row.adapter_version, adapter: row.adapter, errors: 0 };
      if (query.byAudience) group.audience = audience;
      if (query.interval) group.periodStart = periodStart;
      groups.set(key, group);
    }
    addTotals(group, totalsOf(row));
    group.adapter ??= row.adapter;
  }
  for (const group of groups.values()) group.errors = errorCount(group);
  return [...groups.values()];
}
