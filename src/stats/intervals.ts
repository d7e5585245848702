// Confidence intervals for what /v1/stats/versions reports (docs/stats.md).
// Pure: counts in, numbers out; null wherever there is no data to say
// anything (never a made-up 0).
//
// These are fixed-sample 95 % intervals, right for a chart a human looks at.
// A decision taken again every minute needs an always-valid method instead
// (src/rollouts/decision*), or repeated looks inflate its error rate.

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/**
 * Wilson score interval for k successes out of n (Wilson 1927): unlike
 * p ± z·se it stays inside [0, 1] and is not degenerate at k = 0 or k = n.
 */
export function wilsonInterval(k: number, n: number, z = Z95): [number, number] | null {
  if (!(n > 0)) return null;
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** Two-sided 95 % Student t critical values for 1..30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5 % quantile of Student's t; past 30 degrees of freedom, the Cornish-Fisher expansion (error < 0.005). */
export function t95(df: number): number {
  if (df <= T95.length) return T95[Math.max(1, Math.floor(df)) - 1];
  return Z95 + (Z95 ** 3 + Z95) / (4 * df);
}

export interface MeanInterval {
  mean: number | null;
  ci: [number, number] | null;
}

/**
 * Mean of n values from their sum and sum of squares, with a t interval
 * clamped to [lo, hi] (the values' range: scores are 0..1). One value has a
 * mean but no interval.
 */
export function meanInterval(n: number, sum: number, sumSq: number, lo = 0, hi = 1): MeanInterval {
  if (!(n > 0)) return { mean: null, ci: null };
  const mean = sum / n;
  if (n < 2) return { mean, ci: null };
  // Sums of squares can round a hair below n·mean² when all values are equal.
  const variance = Math.max(0, (sumSq - n * mean * mean) / (n - 1));
  const half = t95(n - 1) * Math.sqrt(variance / n);
  return { mean, ci: [Math.max(lo, mean - half), Math.min(hi, mean + half)] };
}

/** k / n, or null when n is 0. */
export const rate = (k: number, n: number): number | null => (n > 0 ? k / n : null);
