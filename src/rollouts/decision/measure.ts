// The numbers behind a decision: per-arm rates and the always-valid bounds of
// their differences, the p95 latency bounds, and the same per audience.
//
// Error budget. A rollback is wrong when the candidate is in truth no worse
// than the baseline on the guard that fired. Each guard's one-sided bound gets
// a share of ALPHA_TOTAL (Bonferroni), so the chance that a candidate no worse
// on any guard is ever rolled back, however long the rollout runs, is at most
// ALPHA_TOTAL. An advance is wrong when the candidate's positive rate is in
// truth more than max_positive_rate_drop below the baseline's; the lower bound
// it reads is wrong at any look with probability at most ALPHA.positive_rate.
import type { ArmPair, SegmentTotals } from "./arm-totals";
import { quantileBounds, type BucketEdges } from "./quantile-bound";
import { rateDifference, type Proportion, type ProportionPair } from "./rate-difference";

/** Each one-sided question's share of the error budget. */
export const ALPHA = {
  /** Each side: the upper bound (rollback) and the lower bound (advance). */
  positive_rate: 0.02,
  error_rate: 0.005,
  /** Split between the candidate's lower bound and the baseline's upper bound. */
  p95_latency: 0.005,
  /** Split equally between the audiences tested at a look. */
  audience_positive_rate: 0.02,
} as const;
/** The rollback budget: the four rollback questions' shares add up to it. */
export const ALPHA_TOTAL = 0.05;

/** Observations per arm before a rate is acted on: the normal approximation needs them. */
export const MIN_ARM_COUNT = 30;

/** Mixing scales: each boundary is tightest near the effect and sample sizes it is meant for. */
const TAU_POSITIVE_RATE = 0.06; // differences of 5-10 points, from a few hundred ratings
const TAU_AUDIENCE = 0.1; // the same from an audience's smaller share of them
const TAU_ERROR_RATE = 0.01; // error rates of a few percent, from thousands of requests
const RHO_P95 = 10; // tightest around 1,000-2,000 requests per arm

export interface ArmRate {
  n: number;
  rate: number | null;
}

export interface Interval {
  /** Candidate minus baseline. */
  estimate: number | null;
  lower: number;
  upper: number;
  /** Always-valid: lower and upper hold together, at every look at once, with this probability. */
  confidence: number;
}

export interface RateComparison {
  baseline: ArmRate;
  candidate: ArmRate;
  difference: Interval;
}

export interface ArmLatency {
  n: number;
  p95: number | null;
  /** Always-valid bounds in ms; upper null when the data cannot bound it yet. */
  lower: number;
  upper: number | null;
}

export interface LatencyComparison {
  baseline: ArmLatency;
  candidate: ArmLatency;
  confidence: number;
}

export interface AudienceComparison extends RateComparison {
  audience: string;
}

type Metric = (t: SegmentTotals) => Proportion;
const positives: Metric = (t) => ({ trials: t.rated, successes: t.positive });
const errors: Metric = (t) => ({ trials: t.requests, successes: t.errors });

function rate(p: Proportion): ArmRate {
  return { n: p.trials, rate: p.trials > 0 ? p.successes / p.trials : null };
}

const minus = (a: Proportion, b: Proportion): Proportion => ({
  trials: a.trials - b.trials,
  successes: a.successes - b.successes,
});

/** Strata: the steps before the current one, and the current step. */
function strata(total: ArmPair<SegmentTotals>, step: ArmPair<SegmentTotals>, metric: Metric): ProportionPair[] {
  const now = { baseline: metric(step.baseline), candidate: metric(step.candidate) };
  const before = {
    baseline: minus(metric(total.baseline), now.baseline),
    candidate: minus(metric(total.candidate), now.candidate),
  };
  return [before, now];
}

export function compareRates(
  total: ArmPair<SegmentTotals>,
  step: ArmPair<SegmentTotals>,
  metric: "positive_rate" | "error_rate" | "audience_positive_rate",
  alpha: number,
): RateComparison {
  const m = metric === "error_rate" ? errors : positives;
  const tau = { positive_rate: TAU_POSITIVE_RATE, audience_positive_rate: TAU_AUDIENCE, error_rate: TAU_ERROR_RATE }[
    metric
  ];
  const d = rateDifference(strata(total, step, m), alpha, tau);
  return {
    baseline: rate(m(total.baseline)),
    candidate: rate(m(total.candidate)),
    difference: { estimate: d.estimate, lower: d.lower, upper: d.upper, confidence: 1 - 2 * alpha },
  };
}

function armLatency(counts: readonly number[] | undefined, edges: BucketEdges): ArmLatency {
  // Each arm gets half the budget: the guard reads the candidate's lower bound and the baseline's upper.
  const b = quantileBounds(counts ?? [], edges, 0.95, ALPHA.p95_latency / 2, RHO_P95);
  return { n: b.n, p95: b.estimate, lower: b.lower, upper: Number.isFinite(b.upper) ? b.upper : null };
}

/** Null when neither arm has a latency histogram or there are no bucket edges to read it with. */
export function compareLatency(total: ArmPair<SegmentTotals>, edges?: BucketEdges): LatencyComparison | null {
  if (!edges || (!total.baseline.latency && !total.candidate.latency)) return null;
  return {
    baseline: armLatency(total.baseline.latency, edges),
    candidate: armLatency(total.candidate.latency, edges),
    confidence: 1 - ALPHA.p95_latency,
  };
}

/**
 * Positive rate per audience, for the audiences where both arms have
 * MIN_ARM_COUNT ratings; each gets an equal part of the audience budget.
 */
export function compareAudiences(total: ArmPair, step: ArmPair): AudienceComparison[] {
  const empty: SegmentTotals = { requests: 0, errors: 0, rated: 0, positive: 0, negative: 0 };
  const names = new Set([
    ...Object.keys(total.baseline.audiences ?? {}),
    ...Object.keys(total.candidate.audiences ?? {}),
  ]);
  const pick = (pair: ArmPair, name: string): ArmPair<SegmentTotals> => ({
    baseline: pair.baseline.audiences?.[name] ?? empty,
    candidate: pair.candidate.audiences?.[name] ?? empty,
  });
  const tested = [...names].sort().filter((name) => {
    const t = pick(total, name);
    return t.baseline.rated >= MIN_ARM_COUNT && t.candidate.rated >= MIN_ARM_COUNT;
  });
  const alpha = ALPHA.audience_positive_rate / Math.max(1, tested.length);
  return tested.map((audience) => ({
    audience,
    ...compareRates(pick(total, audience), pick(step, audience), "audience_positive_rate", alpha),
  }));
}
