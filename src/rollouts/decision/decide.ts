// The decision rule of a quality-gated rollout, evaluated every minute: roll
// back as soon as the candidate is surely worse than the baseline on any
// guard; advance only after the step has had its time and its feedback and
// the candidate is surely not much worse; otherwise hold. Pure: totals and
// time come in as arguments, so the service, the tests and the simulations
// run the same rule. The method and its guarantees: docs/rollouts.md.
import type { ArmPair } from "./arm-totals";
import type { RolloutConfig } from "./config-schema";
import {
  ALPHA,
  MIN_ARM_COUNT,
  compareAudiences,
  compareLatency,
  compareRates,
  type AudienceComparison,
  type LatencyComparison,
  type RateComparison,
} from "./measure";
import type { BucketEdges } from "./quantile-bound";

export type DecisionAction = "advance" | "hold" | "rollback" | "promote";
export type Guard = "positive_rate" | "error_rate" | "p95_latency" | "audience_positive_rate";

export interface DecisionInput {
  /** Parsed settings, defaults filled in (RolloutConfigSchema). */
  config: RolloutConfig;
  /** Index into config.steps of the current step. */
  stepIndex: number;
  /** Seconds since the current step began. */
  secondsInStep: number;
  /** Each arm's totals since the rollout began. */
  total: ArmPair;
  /** Each arm's totals since the current step began. */
  step: ArmPair;
  /** Latency bucket edges, needed when the totals carry latency histograms. */
  latencyEdges?: BucketEdges;
}

export interface DecisionStats {
  step: {
    index: number;
    share: number;
    seconds: number;
    min_seconds: number;
    /** Ratings within the step, per arm. */
    feedback: { baseline: number; candidate: number };
    min_feedback: number;
  };
  positive_rate: RateComparison & { max_drop: number };
  error_rate: (RateComparison & { max_increase: number }) | null;
  p95_latency_ms: (LatencyComparison & { max_ratio: number }) | null;
  /** Per audience, when guards.per_segment is "audience"; `worse` marks those that fire. */
  audiences: (AudienceComparison & { worse: boolean })[] | null;
  /** The guards that call for a rollback at this look (empty unless action is rollback). */
  fired: Guard[];
}

export interface Decision {
  action: DecisionAction;
  reason: string;
  /** The candidate's share in percent now, and after this decision. */
  from_share: number;
  to_share: number;
  stats: DecisionStats;
}

const pct = (x: number | null) => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);
const pts = (x: number) => `${x > 0 ? "+" : ""}${(100 * x).toFixed(1)}`;
const interval = (c: RateComparison) =>
  `${pts(c.difference.lower)} to ${pts(c.difference.upper)} points (${Math.round(100 * c.difference.confidence)}% always-valid)`;
const enough = (c: RateComparison) => c.baseline.n >= MIN_ARM_COUNT && c.candidate.n >= MIN_ARM_COUNT;

export function decide(input: DecisionInput): Decision {
  const { config, stepIndex, secondsInStep, total, step } = input;
  const { steps, guards } = config;
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex >= steps.length) {
    throw new RangeError(`stepIndex ${stepIndex} is outside steps [${steps.join(", ")}]`);
  }
  const share = steps[stepIndex];

  const positive = compareRates(total, step, "positive_rate", ALPHA.positive_rate);
  const errors =
    guards.max_error_rate_increase === null ? null : compareRates(total, step, "error_rate", ALPHA.error_rate);
  const latency = guards.max_p95_latency_ratio === null ? null : compareLatency(total, input.latencyEdges);
  const audiences =
    guards.per_segment === "audience"
      ? compareAudiences(total, step).map((a) => ({ ...a, worse: a.difference.upper < 0 }))
      : null;

  const fired: Guard[] = [];
  const why: string[] = [];
  if (enough(positive) && positive.difference.upper < 0) {
    fired.push("positive_rate");
    why.push(
      `positive rate ${pct(positive.candidate.rate)} vs baseline ${pct(positive.baseline.rate)}, difference ${interval(positive)}`,
    );
  }
  if (errors && guards.max_error_rate_increase !== null && enough(errors)) {
    if (errors.difference.lower > guards.max_error_rate_increase) {
      fired.push("error_rate");
      why.push(
        `error rate ${pct(errors.candidate.rate)} vs baseline ${pct(errors.baseline.rate)}, difference ${interval(errors)}, above the allowed ${pts(guards.max_error_rate_increase)}`,
      );
    }
  }
  if (latency && guards.max_p95_latency_ratio !== null) {
    const { baseline: b, candidate: c } = latency;
    const limit = b.upper === null ? null : guards.max_p95_latency_ratio * b.upper;
    if (b.n >= MIN_ARM_COUNT && c.n >= MIN_ARM_COUNT && limit !== null && c.lower > limit) {
      fired.push("p95_latency");
      why.push(
        `p95 latency at least ${Math.round(c.lower)} ms vs baseline at most ${Math.round(b.upper!)} ms, over ${guards.max_p95_latency_ratio}x`,
      );
    }
  }
  const worse = (audiences ?? []).filter((a) => a.worse);
  if (worse.length > 0) {
    fired.push("audience_positive_rate");
    for (const a of worse) {
      why.push(
        `${a.audience === "" ? "requests without an audience" : `audience "${a.audience}"`}: positive rate ${pct(a.candidate.rate)} vs ${pct(a.baseline.rate)}, difference ${interval(a)}`,
      );
    }
  }

  const stats: DecisionStats = {
    step: {
      index: stepIndex,
      share,
      seconds: secondsInStep,
      min_seconds: config.min_step_seconds,
      feedback: { baseline: step.baseline.rated, candidate: step.candidate.rated },
      min_feedback: config.min_feedback,
    },
    positive_rate: { ...positive, max_drop: guards.max_positive_rate_drop },
    error_rate: errors && { ...errors, max_increase: guards.max_error_rate_increase! },
    p95_latency_ms: latency && { ...latency, max_ratio: guards.max_p95_latency_ratio! },
    audiences,
    fired,
  };
  const decision = (action: DecisionAction, to: number, reason: string): Decision => ({
    action,
    reason,
    from_share: share,
    to_share: to,
    stats,
  });

  if (fired.length > 0) {
    return decision("rollback", 0, `Candidate is worse than baseline: ${why.join("; ")}. Rolling back from ${share}%.`);
  }
  if (stepIndex === steps.length - 1) {
    return decision("promote", 100, `The candidate already serves ${share}% of traffic; nothing is left to compare.`);
  }

  const waiting: string[] = [];
  const short = (["candidate", "baseline"] as const).filter((arm) => step[arm].rated < config.min_feedback);
  for (const arm of short) waiting.push(`${arm} has ${step[arm].rated} of ${config.min_feedback} ratings this step`);
  if (secondsInStep < config.min_step_seconds) {
    waiting.push(`the step has run ${Math.floor(secondsInStep)} s of ${config.min_step_seconds} s`);
  }
  const bound = positive.difference.lower;
  const margin = -guards.max_positive_rate_drop;
  if (!enough(positive) || !(bound > margin)) {
    waiting.push(`the positive-rate difference is ${interval(positive)}; its lower bound must be above ${pts(margin)}`);
  }
  // The other guards must also be surely within their tolerance: a candidate whose errors are
  // clearly up but not yet beyond doubt must not be moved to more traffic meanwhile.
  if (errors && guards.max_error_rate_increase !== null) {
    const limit = guards.max_error_rate_increase;
    if (!enough(errors) || !(errors.difference.upper < limit)) {
      waiting.push(`the error-rate difference is ${interval(errors)}; its upper bound must be below ${pts(limit)}`);
    }
  }
  if (latency && guards.max_p95_latency_ratio !== null) {
    const { baseline: b, candidate: c } = latency;
    const ratio = guards.max_p95_latency_ratio;
    if (c.upper === null || !(c.upper <= ratio * b.lower)) {
      const upper = c.upper === null ? "unbounded yet" : `at most ${Math.round(c.upper)} ms`;
      waiting.push(`p95 latency is ${upper} vs baseline at least ${Math.round(b.lower)} ms; must be within ${ratio}x`);
    }
  }
  if (waiting.length > 0) return decision("hold", share, `Holding at ${share}%: ${waiting.join("; ")}.`);

  const next = steps[stepIndex + 1];
  const because = `positive rate ${pct(positive.candidate.rate)} vs baseline ${pct(positive.baseline.rate)}, difference ${interval(positive)}, lower bound above ${pts(margin)}`;
  if (next === 100) return decision("promote", 100, `Promoting from ${share}% to 100%: ${because}.`);
  return decision("advance", next, `Advancing from ${share}% to ${next}%: ${because}.`);
}
