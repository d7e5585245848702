// Fixed log-scale latency buckets: 8 per doubling (each bucket ~9 % wide),
// from 1 ms to 2^19.75 ms (~15 min), so a percentile interpolated inside its
// bucket is within ~2-4 % of the exact one. The bucket edges are fixed
// forever: rollup rows store one count per bucket (a sparse JSON object),
// and rows written years apart must add up. An edge is 2^octave times one of
// eight literal constants, so JS and SQLite (the backfill in the migration)
// compute bit-identical edges without a log function.
export const PER_OCTAVE = 8;
export const LATENCY_BUCKETS = 160;

/** 2^(j/8) for j = 0..7, written out so every runtime uses the same doubles. */
const STEPS = [
  1, 1.0905077326652577, 1.189207115002721, 1.2968395546510096, 1.4142135623730951, 1.542210825407941,
  1.6817928305074292, 1.8340080864093424,
];

/** EDGES[i] = lower edge of bucket i + 1; bucket 0 is [0, 1) ms, the last bucket is open-ended. */
export const EDGES: readonly number[] = Array.from(
  { length: LATENCY_BUCKETS - 1 },
  (_, i) => 2 ** Math.floor(i / PER_OCTAVE) * STEPS[i % PER_OCTAVE],
);

/** The bucket of a latency in ms: how many edges are at or below it. */
export function latencyBucket(ms: number): number {
  if (!(ms >= 1)) return 0; // also NaN and negatives
  let lo = 0;
  let hi = EDGES.length; // invariant: EDGES[lo - 1] <= ms < EDGES[hi]
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (EDGES[mid] <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [lower, upper) ms of a bucket; the last bucket's upper bound is its lower edge times one step. */
export function bucketRange(bucket: number): [number, number] {
  const lower = bucket === 0 ? 0 : EDGES[bucket - 1];
  const upper = bucket < EDGES.length ? EDGES[bucket] : lower * STEPS[1];
  return [lower, upper];
}

/**
 * The q-quantile (0 < q < 1) of the histogram, interpolated geometrically
 * inside the bucket that holds it (linearly in bucket 0); null when empty.
 */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  for (let b = 0; b < counts.length; b++) {
    const n = counts[b];
    if (n > 0 && below + n >= rank) {
      const fraction = Math.min(1, Math.max(0, (rank - below) / n));
      const [lower, upper] = bucketRange(b);
      return lower === 0 ? upper * fraction : lower * (upper / lower) ** fraction;
    }
    below += n;
  }
  return bucketRange(counts.length - 1)[0];
}
