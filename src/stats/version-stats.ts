// Turns summed rollup counts (src/rollups/rollup-reader.ts) into the figures
// GET /v1/stats/versions answers: rates, intervals, latency percentiles.
// Pure. Counts stay counts (0 when nothing happened); every rate, mean,
// interval and percentile is null when there is nothing to compute it from.
import { histogramQuantile } from "./latency-histogram";
import { meanInterval, rate, wilsonInterval } from "./intervals";

/** Summed rollup counts of one version (and audience, and period). */
export interface Totals {
  requests: number;
  ok: number;
  upstreamErrors: number;
  timeouts: number;
  clientAborted: number;
  promptTokens: number;
  completionTokens: number;
  latencyMsSum: number;
  rated: number;
  positive: number;
  negative: number;
  scored: number;
  scoreSum: number;
  scoreSqSum: number;
  corrections: number;
  /** Count per latency bucket, dense (index = bucket). */
  latencyBuckets: number[];
}

export interface FeedbackStats {
  rated: number;
  positive: number;
  negative: number;
  positive_rate: number | null;
  positive_rate_ci: [number, number] | null;
  mean_score: number | null;
  score_ci: [number, number] | null;
  correction_rate: number | null;
}

export interface VersionStats {
  requests: number;
  ok: number;
  errors: { upstream_error: number; timeout: number; client_aborted: number };
  error_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; mean: number | null };
  tokens: { prompt: number; completion: number };
  feedback: FeedbackStats;
}

const round = (x: number | null, digits = 4) => (x === null ? null : Number(x.toFixed(digits)));
const roundPair = (p: [number, number] | null): [number, number] | null =>
  p === null ? null : [round(p[0])!, round(p[1])!];

/**
 * Errors are the gateway's or the upstream's failures (upstream_error,
 * timeout); a client that hung up is counted apart and is not an error.
 */
export function errorCount(t: Pick<Totals, "upstreamErrors" | "timeouts">): number {
  return t.upstreamErrors + t.timeouts;
}

export function versionStats(t: Totals): VersionStats {
  const score = meanInterval(t.scored, t.scoreSum, t.scoreSqSum);
  return {
    requests: t.requests,
    ok: t.ok,
    errors: { upstream_error: t.upstreamErrors, timeout: t.timeouts, client_aborted: t.clientAborted },
    error_rate: round(rate(errorCount(t), t.requests)),
    latency_ms: {
      p50: round(histogramQuantile(t.latencyBuckets, 0.5), 1),
      p95: round(histogramQuantile(t.latencyBuckets, 0.95), 1),
      mean: round(rate(t.latencyMsSum, t.requests), 1),
    },
    tokens: { prompt: t.promptTokens, completion: t.completionTokens },
    feedback: {
      rated: t.rated,
      positive: t.positive,
      negative: t.negative,
      positive_rate: round(rate(t.positive, t.rated)),
      positive_rate_ci: roundPair(wilsonInterval(t.positive, t.rated)),
      mean_score: round(score.mean),
      score_ci: roundPair(score.ci),
      correction_rate: round(rate(t.corrections, t.rated)),
    },
  };
}

/**
 * An audience fares worse than its version overall beyond its own interval:
 * the upper end of the audience's Wilson 95 % interval for the positive rate
 * is below the version's positive rate over all audiences. Needs feedback
 * from the audience (no data flags nothing); the interval's width makes a
 * handful of votes unable to flag on their own.
 */
export function isFlagged(audience: Pick<Totals, "positive" | "rated">, version: Pick<Totals, "positive" | "rated">) {
  const overall = rate(version.positive, version.rated);
  const interval = wilsonInterval(audience.positive, audience.rated);
  return overall !== null && interval !== null && interval[1] < overall;
}

export function emptyTotals(buckets: number): Totals {
  return {
    requests: 0,
    ok: 0,
    upstreamErrors: 0,
    timeouts: 0,
    clientAborted: 0,
    promptTokens: 0,
    completionTokens: 0,
    latencyMsSum: 0,
    rated: 0,
    positive: 0,
    negative: 0,
    scored: 0,
    scoreSum: 0,
    scoreSqSum: 0,
    corrections: 0,
    latencyBuckets: new Array<number>(buckets).fill(0),
  };
}

const COUNTS = [
  "requests",
  "ok",
  "upstreamErrors",
  "timeouts",
  "clientAborted",
  "promptTokens",
  "completionTokens",
  "latencyMsSum",
  "rated",
  "positive",
  "negative",
  "scored",
  "scoreSum",
  "scoreSqSum",
  "corrections",
] as const satisfies readonly Exclude<keyof Totals, "latencyBuckets">[];

/** Adds b's counts into a (which may carry other fields), in place; returns a. */
export function addTotals<T extends Totals>(a: T, b: Totals): T {
  for (const key of COUNTS) a[key] += b[key];
  b.latencyBuckets.forEach((n, i) => (a.latencyBuckets[i] = (a.latencyBuckets[i] ?? 0) + n));
  return a;
}
