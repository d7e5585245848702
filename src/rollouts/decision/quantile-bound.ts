// Always-valid bounds on a latency quantile from histogram bucket counts
// (Howard and Ramdas, "Sequential estimation of quantiles with applications
// to A/B-testing and best-arm identification", Bernoulli 2022, section 2).
//
// At the true q-quantile x, each request's 1[latency <= x] is Bernoulli(q),
// so the count of requests at or below x stays within nq +- u(n) at every
// look, where u is the normal-mixture boundary for that sum. Hence the
// order statistic of rank ceil(nq - u) is at or below x, and the one of rank
// floor(nq + u) + 1 above it. Buckets only make this coarser: the lower bound
// is its bucket's lower edge, the upper bound its bucket's upper edge. The
// Bernoulli's sub-Gaussian variance is the exact optimal one (Kearns and Saul,
// 1998), not the asymptotic q(1 - q), so these bounds hold at any n.
import { normalMixtureBoundary } from "./confidence-sequence";

/**
 * Latency bucket edges in ms, increasing: bucket 0 is [0, edges[0]), bucket i
 * is [edges[i - 1], edges[i]), the last bucket (index edges.length) is open-ended.
 * The same convention as the rollups' histogram.
 */
export type BucketEdges = readonly number[];

export interface QuantileBounds {
  /** Total observations. */
  n: number;
  /** The histogram's quantile, interpolated geometrically inside its bucket; null when empty. */
  estimate: number | null;
  /** Always-valid bounds in ms; upper is Infinity when the data cannot bound it yet. */
  lower: number;
  upper: number;
}

/** The optimal sub-Gaussian variance proxy of a centred Bernoulli(q) (Kearns and Saul). */
export function bernoulliSubGaussianVariance(q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be in (0, 1), got ${q}`);
  if (Math.abs(q - 0.5) < 1e-12) return 0.25;
  return (1 - 2 * q) / (2 * Math.log((1 - q) / q));
}

function bucketLower(edges: BucketEdges, b: number): number {
  return b === 0 ? 0 : edges[b - 1];
}

function bucketUpper(edges: BucketEdges, b: number): number {
  return b < edges.length ? edges[b] : Infinity;
}

/** The bucket holding the observation of 1-based rank `rank` (1 <= rank <= n). */
function bucketOfRank(counts: readonly number[], rank: number): number {
  let below = 0;
  for (let b = 0; b < counts.length; b++) {
    below += counts[b];
    if (below >= rank) return b;
  }
  return counts.length - 1;
}

function interpolated(counts: readonly number[], edges: BucketEdges, n: number, q: number): number {
  const rank = q * n;
  let below = 0;
  for (let b = 0; b < counts.length; b++) {
    const c = counts[b];
    if (c > 0 && below + c >= rank) {
      const fraction = Math.min(1, Math.max(0, (rank - below) / c));
      const lower = bucketLower(edges, b);
      const upper = bucketUpper(edges, b);
      if (upper === Infinity) return lower;
      return lower === 0 ? upper * fraction : lower * (upper / lower) ** fraction;
    }
    below += c;
  }
  return bucketLower(edges, counts.length - 1);
}

/**
 * Always-valid bounds on the q-quantile: each of lower and upper holds at
 * every look with probability >= 1 - alpha. `rho` is the boundary's mixing
 * precision in units of (variance proxy x requests).
 */
export function quantileBounds(
  counts: readonly number[],
  edges: BucketEdges,
  q: number,
  alpha: number,
  rho: number,
): QuantileBounds {
  if (counts.length > edges.length + 1) {
    throw new RangeError(`${counts.length} bucket counts for ${edges.length + 1} buckets`);
  }
  const n = counts.reduce((a, b) => a + b, 0);
  if (n <= 0) return { n: 0, estimate: null, lower: 0, upper: Infinity };
  const u = normalMixtureBoundary(bernoulliSubGaussianVariance(q) * n, alpha, rho);
  const lowRank = Math.ceil(n * q - u);
  const highRank = Math.floor(n * q + u) + 1;
  return {
    n,
    estimate: interpolated(counts, edges, n, q),
    lower: lowRank < 1 ? 0 : bucketLower(edges, bucketOfRank(counts, lowRank)),
    upper: highRank > n ? Infinity : bucketUpper(edges, bucketOfRank(counts, highRank)),
  };
}
