// An always-valid interval for the difference of two rates (candidate minus
// baseline): positive feedback per rating, errors per request.
//
// Why this is a confidence sequence although the arms grow at different and
// changing speeds: with independent observations, the difference of the two
// running means has Cov(d(s), d(t)) = Var(d(t)) for s before t, whatever the
// allocation, which is the covariance of W(I)/I for a Brownian motion W in
// information time I = 1/Var. So the normal-mixture boundary applies to it;
// with the variance estimated from the data the guarantee is asymptotic
// (Waudby-Smith et al., "Time-uniform central limit theory and asymptotic
// confidence sequences", Ann. Statist. 2024), which is why rates are only
// acted on from MIN_ARM_COUNT observations per arm.
//
// Strata: when the share changes, the candidate's data leans to later hours
// than the baseline's, and pooling the two would compare different times of
// day (Simpson's paradox). Each stratum (the current step; the steps before
// it) is compared within itself and the strata are combined by inverse
// variance, which is again a Brownian motion in the summed information.
import { normalMixtureRadius } from "./confidence-sequence";

/** Successes out of trials. */
export interface Proportion {
  trials: number;
  successes: number;
}

export interface ProportionPair {
  baseline: Proportion;
  candidate: Proportion;
}

export interface RateDifference {
  /** Candidate minus baseline; null with no stratum where both arms have data. */
  estimate: number | null;
  /**
   * Always-valid bounds, clipped to [-1, 1]: each holds at every look with
   * probability >= 1 - alpha, so both together with >= 1 - 2 alpha.
   */
  lower: number;
  upper: number;
  /** Variance of the estimate (null with no data). */
  variance: number | null;
}

/**
 * Variance of one arm's rate. The rate is shrunk half an observation towards
 * 1/2 first so that 0 of 40 or 40 of 40 does not claim zero variance.
 */
export function rateVariance(p: Proportion): number {
  const shrunk = (p.successes + 0.5) / (p.trials + 1);
  return (shrunk * (1 - shrunk)) / p.trials;
}

/**
 * A stratum's counts are differences of cumulative counts (now minus the
 * snapshot at the step's start). A user who changes an earlier rating moves
 * one count between positive and negative after the snapshot, so a step can
 * show, say, 6 positive of 5 rated; such counts are clamped into [0, trials].
 */
function clamp(p: Proportion): Proportion {
  const trials = Math.max(0, p.trials);
  return { trials, successes: Math.min(trials, Math.max(0, p.successes)) };
}

export function rateDifference(strata: readonly ProportionPair[], alpha: number, tau: number): RateDifference {
  let weight = 0;
  let weighted = 0;
  for (const stratum of strata) {
    const baseline = clamp(stratum.baseline);
    const candidate = clamp(stratum.candidate);
    if (baseline.trials <= 0 || candidate.trials <= 0) continue;
    const d = candidate.successes / candidate.trials - baseline.successes / baseline.trials;
    const w = 1 / (rateVariance(candidate) + rateVariance(baseline));
    weight += w;
    weighted += w * d;
  }
  if (weight === 0) return { estimate: null, lower: -1, upper: 1, variance: null };
  const estimate = weighted / weight;
  const variance = 1 / weight;
  const radius = normalMixtureRadius(variance, alpha, tau);
  return {
    estimate,
    lower: Math.max(-1, estimate - radius),
    upper: Math.min(1, estimate + radius),
    variance,
  };
}
