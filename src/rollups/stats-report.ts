// The report of GET /v1/stats/versions (docs/stats.md): one read of the
// task's rollup rows (rollup-reader.ts) at the finest grain asked for, summed
// here into per-version figures, per-audience blocks and a time series.
// Versions the task routes to are listed even without data (counts 0,
// statistics null), so "no data yet" is visible rather than missing.
import type { TenantSnapshot } from "../routing/compiled";
import { LATENCY_BUCKETS } from "../stats/latency-histogram";
import { addTotals, emptyTotals, isFlagged, versionStats, type Totals } from "../stats/version-stats";
import { HOUR_MS } from "./rollup-upsert";
import { hourOf, periodOf, readArmTotals, type ArmTotals, type Interval } from "./rollup-reader";

export const MAX_SERIES_POINTS = 1000;
const PERIOD_MS: Record<Interval, number> = { hour: HOUR_MS, day: 24 * HOUR_MS };

export interface StatsReportQuery {
  task: string;
  sinceMs: number;
  untilMs: number;
  byAudience: boolean;
  interval: Interval | null;
}

/** Period starts from the one containing since up to until (exclusive). */
export function seriesStarts(sinceMs: number, untilMs: number, interval: Interval): number[] {
  const starts: number[] = [];
  for (let t = periodOf(hourOf(sinceMs), interval); t < untilMs; t += PERIOD_MS[interval]) starts.push(t);
  return starts;
}

const sum = (rows: readonly ArmTotals[]): Totals =>
  rows.reduce((total, row) => addTotals(total, row), emptyTotals(LATENCY_BUCKETS));

function groupBy<K>(rows: readonly ArmTotals[], key: (row: ArmTotals) => K): Map<K, ArmTotals[]> {
  const groups = new Map<K, ArmTotals[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

/** The report, or null when the tenant has no such task and no rollups for that name. */
export async function statsReport(db: D1Database, tenant: TenantSnapshot, query: StatsReportQuery) {
  const task = tenant.tasks.get(query.task);
  const rows = await readArmTotals(db, {
    tenant: tenant.tenant,
    task: query.task,
    sinceMs: query.sinceMs,
    untilMs: query.untilMs,
    byAudience: query.byAudience,
    interval: query.interval ?? undefined,
  });
  if (!task && rows.length === 0) return null;

  const byVersion = groupBy(rows, (row) => row.version);
  const routed = [...(task?.versions.keys() ?? [])];
  const others = [...byVersion.keys()].filter((v) => !task?.versions.has(v)).sort();
  const data = [...routed, ...others].map((version) => {
    const versionRows = byVersion.get(version) ?? [];
    const totals = sum(versionRows);
    const adapter = task?.versions.get(version)?.adapter.name ?? versionRows.find((r) => r.adapter)?.adapter ?? null;
    const block: Record<string, unknown> = { object: "version.stats", version, adapter, ...versionStats(totals) };
    if (query.byAudience) {
      block.audiences = [...groupBy(versionRows, (row) => row.audience ?? null)]
        .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
        .map(([audience, audienceRows]) => {
          const audienceTotals = sum(audienceRows);
          return { audience, flagged: isFlagged(audienceTotals, totals), ...versionStats(audienceTotals) };
        });
    }
    if (query.interval) {
      const byPeriod = groupBy(versionRows, (row) => row.periodStart);
      block.series = seriesStarts(query.sinceMs, query.untilMs, query.interval).map((start) => ({
        start,
        ...versionStats(sum(byPeriod.get(start) ?? [])),
      }));
    }
    return block;
  });
  return {
    object: "list" as const,
    task: query.task,
    since: hourOf(query.sinceMs),
    until: query.untilMs,
    by: query.byAudience ? ("audience" as const) : null,
    interval: query.interval,
    data,
  };
}
