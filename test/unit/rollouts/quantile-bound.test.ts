// Always-valid p95 bounds from bucket counts: they bracket the quantile, they
// are honest about too little data, and a stream of log-normal latencies looked
// at after every batch leaves them at most alpha of the time.
import { describe, expect, it } from "vitest";
import { bernoulliSubGaussianVariance, quantileBounds } from "../../../src/rollouts/decision/quantile-bound";
import { LATENCY_EDGES, prng } from "./simulate";

/** Bucket of a latency under LATENCY_EDGES (2^(i/8)). */
const bucket = (ms: number) => (ms < 1 ? 0 : Math.min(LATENCY_EDGES.length, Math.floor(8 * Math.log2(ms)) + 1));

describe("bernoulliSubGaussianVariance", () => {
  it("is the Kearns-Saul constant: 1/4 at 1/2, smaller in the tails, symmetric", () => {
    expect(bernoulliSubGaussianVariance(0.5)).toBe(0.25);
    expect(bernoulliSubGaussianVariance(0.95)).toBeCloseTo(0.9 / (2 * Math.log(19)), 12);
    expect(bernoulliSubGaussianVariance(0.05)).toBeCloseTo(bernoulliSubGaussianVariance(0.95), 12);
    expect(bernoulliSubGaussianVariance(0.95)).toBeGreaterThan(0.95 * 0.05);
    expect(() => bernoulliSubGaussianVariance(1)).toThrow(/q must/);
  });
});

describe("quantileBounds", () => {
  it("with no data: nothing is known", () => {
    expect(quantileBounds([], LATENCY_EDGES, 0.95, 0.01, 10)).toEqual({
      n: 0,
      estimate: null,
      lower: 0,
      upper: Infinity,
    });
  });

  it("with few requests the upper bound is not yet finite", () => {
    const counts: number[] = [];
    counts[bucket(500)] = 20;
    const b = quantileBounds(
      counts.map((c) => c ?? 0),
      LATENCY_EDGES,
      0.95,
      0.01,
      10,
    );
    expect(b.n).toBe(20);
    expect(b.upper).toBe(Infinity);
  });

  it("brackets the quantile with bucket edges, around the interpolated estimate", () => {
    // 1,000 requests at 100 ms, 1,000 at 1,000 ms, 8,000 at 200 ms: p95 lies in 1,000 ms's bucket.
    const counts = new Array<number>(LATENCY_EDGES.length + 1).fill(0);
    counts[bucket(100)] += 1_000;
    counts[bucket(200)] += 8_000;
    counts[bucket(1_000)] += 1_000;
    const b = quantileBounds(counts, LATENCY_EDGES, 0.95, 0.01, 10);
    expect(b.lower).toBeLessThanOrEqual(1_000);
    expect(b.upper).toBeGreaterThan(1_000);
    expect(b.estimate!).toBeGreaterThanOrEqual(b.lower);
    expect(b.estimate!).toBeLessThanOrEqual(b.upper);
    // 10,000 requests pin it to the bucket: ~9 % wide.
    expect(b.upper / b.lower).toBeLessThan(1.1);
  });

  it("refuses more counts than buckets", () => {
    expect(() => quantileBounds([1, 2, 3], [10], 0.95, 0.01, 10)).toThrow(/bucket counts/);
  });

  it("holds at every look: the true p95 leaves the bounds on at most alpha of runs", () => {
    const alpha = 0.05;
    const runs = 300;
    const median = 800;
    const sigma = 0.5;
    const truth = median * Math.exp(sigma * 1.6448536269514722);
    let missed = 0;
    for (let r = 0; r < runs; r++) {
      const random = prng(500 + r);
      const counts = new Array<number>(LATENCY_EDGES.length + 1).fill(0);
      for (let look = 0; look < 100; look++) {
        for (let i = 0; i < 20; i++) {
          const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
          counts[bucket(median * Math.exp(sigma * z))]++;
        }
        // Each bound at alpha / 2, as the decision rule spends it.
        const b = quantileBounds(counts, LATENCY_EDGES, 0.95, alpha / 2, 10);
        if (b.lower > truth || b.upper < truth) {
          missed++;
          break;
        }
      }
    }
    expect(missed / runs).toBeLessThanOrEqual(alpha);
  });
});
