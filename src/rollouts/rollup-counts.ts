// The rollout evaluator's counts, from the hourly rollups through their one
// reader (src/rollups/rollup-reader.ts): one range scan of version_rollups for
// the two versions, per audience, summed here into each arm's totals. Reads
// rollup rows only, never interactions, so an evaluation costs the same
// whatever the traffic.
import { readArmTotals, type ArmTotals as RollupTotals } from "../rollups/rollup-reader";
import type { ArmTotals, SegmentTotals } from "./decision";
import type { CountsReader } from "./rollout-counts";

function segment(t: RollupTotals): SegmentTotals {
  return {
    requests: t.requests,
    errors: t.errors,
    rated: t.rated,
    positive: t.positive,
    negative: t.negative,
    ok: t.ok,
    scoreSum: t.scoreSum,
    scoreSqSum: t.scoreSqSum,
    corrections: t.corrections,
    latency: t.latencyBuckets,
  };
}

function add(a: SegmentTotals, b: SegmentTotals): SegmentTotals {
  const latency = a.latency && b.latency ? a.latency.map((n, i) => n + (b.latency![i] ?? 0)) : (a.latency ?? b.latency);
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    rated: a.rated + b.rated,
    positive: a.positive + b.positive,
    negative: a.negative + b.negative,
    ok: (a.ok ?? 0) + (b.ok ?? 0),
    scoreSum: (a.scoreSum ?? 0) + (b.scoreSum ?? 0),
    scoreSqSum: (a.scoreSqSum ?? 0) + (b.scoreSqSum ?? 0),
    corrections: (a.corrections ?? 0) + (b.corrections ?? 0),
    latency,
  };
}

const empty = (): ArmTotals => ({ requests: 0, errors: 0, rated: 0, positive: 0, negative: 0, audiences: {} });

/** Requests that named no audience are the audience "" (as the rollups key them). */
export const rollupCounts: CountsReader = {
  async read(db, q) {
    const rows = await readArmTotals(db, {
      tenant: q.tenant,
      task: q.task,
      versions: [q.baseline, q.candidate],
      sinceMs: q.sinceMs,
      byAudience: true,
    });
    const arms = { baseline: empty(), candidate: empty() };
    for (const row of rows) {
      const arm = row.version === q.candidate ? arms.candidate : arms.baseline;
      const part = segment(row);
      const audiences = arm.audiences as Record<string, SegmentTotals>;
      const name = row.audience ?? "";
      audiences[name] = audiences[name] ? add(audiences[name], part) : part;
      Object.assign(arm, add(arm, part));
    }
    return arms;
  },
};
