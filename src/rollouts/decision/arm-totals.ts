// What the decision reads about one arm (one adapter version) over a span of
// time: the sums the hourly rollups keep. Counts only; the decision derives
// every rate itself. Plain JSON, so a service can store a snapshot at the
// start of a step and subtract it later (per-step totals = now - snapshot).

/** Counts of one arm, overall or within one audience. */
export interface SegmentTotals {
  requests: number;
  /** Requests that failed (any kind); error rate = errors / requests. */
  errors: number;
  /** Ratings (thumbs up or down); positive rate = positive / rated. */
  rated: number;
  positive: number;
  negative: number;
  ok?: number;
  scoreSum?: number;
  scoreSqSum?: number;
  corrections?: number;
  /** Requests per latency bucket; the buckets are the decision input's `latencyEdges`. */
  latency?: readonly number[];
}

export interface ArmTotals extends SegmentTotals {
  /** The same counts per audience (key: the audience as the rollups name it). */
  audiences?: Readonly<Record<string, SegmentTotals>>;
}

export interface ArmPair<T = ArmTotals> {
  baseline: T;
  candidate: T;
}

export function emptyTotals(): ArmTotals {
  return { requests: 0, errors: 0, rated: 0, positive: 0, negative: 0 };
}

const COUNTS = [
  "requests",
  "errors",
  "rated",
  "positive",
  "negative",
  "ok",
  "scoreSum",
  "scoreSqSum",
  "corrections",
] as const;

function combineSegment(a: SegmentTotals, b: SegmentTotals, sign: 1 | -1): SegmentTotals {
  const out: SegmentTotals = { requests: 0, errors: 0, rated: 0, positive: 0, negative: 0 };
  for (const key of COUNTS) {
    if (a[key] === undefined && b[key] === undefined) continue;
    out[key] = (a[key] ?? 0) + sign * (b[key] ?? 0);
  }
  if (a.latency || b.latency) {
    const la = a.latency ?? [];
    const lb = b.latency ?? [];
    out.latency = Array.from({ length: Math.max(la.length, lb.length) }, (_, i) => (la[i] ?? 0) + sign * (lb[i] ?? 0));
  }
  return out;
}

function combine(a: ArmTotals, b: ArmTotals, sign: 1 | -1): ArmTotals {
  const out: ArmTotals = combineSegment(a, b, sign);
  if (a.audiences || b.audiences) {
    const audiences: Record<string, SegmentTotals> = {};
    const empty = emptyTotals();
    for (const key of new Set([...Object.keys(a.audiences ?? {}), ...Object.keys(b.audiences ?? {})])) {
      audiences[key] = combineSegment(a.audiences?.[key] ?? empty, b.audiences?.[key] ?? empty, sign);
    }
    out.audiences = audiences;
  }
  return out;
}

/** a + b, field by field (audiences and latency buckets too). */
export function addTotals(a: ArmTotals, b: ArmTotals): ArmTotals {
  return combine(a, b, 1);
}

/** a - b: a step's totals from the cumulative ones and the snapshot taken when the step began. */
export function subtractTotals(a: ArmTotals, b: ArmTotals): ArmTotals {
  return combine(a, b, -1);
}
