import { describe, expect, it } from "vitest";
import {
  bucketRange,
  EDGES,
  histogramQuantile,
  LATENCY_BUCKETS,
  latencyBucket,
} from "../../../src/stats/latency-histogram";

describe("latencyBucket", () => {
  it.each([
    [0, 0],
    [0.5, 0],
    [-3, 0],
    [Number.NaN, 0],
    [1, 1],
    [2, 9],
    [1024, 81],
    [1e9, LATENCY_BUCKETS - 1],
  ])("%f ms → bucket %i", (ms, bucket) => expect(latencyBucket(ms)).toBe(bucket));

  it("puts every latency inside its bucket's range; edges grow by 2^(1/8)", () => {
    for (let i = 1; i < EDGES.length; i++) expect(EDGES[i] / EDGES[i - 1]).toBeCloseTo(2 ** (1 / 8), 12);
    for (const ms of [1, 3, 7, 10, 99, 100, 101, 250, 1000, 4096, 30_000, 600_000]) {
      const [lower, upper] = bucketRange(latencyBucket(ms));
      expect(lower).toBeLessThanOrEqual(ms);
      expect(ms).toBeLessThan(upper);
    }
  });
});

describe("histogramQuantile", () => {
  it("is null for an empty histogram", () => {
    expect(histogramQuantile(new Array(LATENCY_BUCKETS).fill(0), 0.5)).toBeNull();
  });

  /** Seeded log-normal latencies: median `median` ms, spread sigma. */
  function sample(n: number, median: number, sigma: number) {
    let seed = 42;
    const uniform = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    return Array.from({ length: n }, () => {
      const z = Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform());
      return Math.round(median * Math.exp(sigma * z));
    });
  }
  const exact = (sorted: number[], q: number) => sorted[Math.ceil(q * sorted.length) - 1];

  it.each([
    [120, 0.4],
    [800, 0.8],
    [15, 1.2],
    [5_000, 0.3],
  ])("p50 and p95 of log-normal latencies (median %i ms, sigma %f) within 5 %%", (median, sigma) => {
    const values = sample(20_000, median, sigma);
    const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
    for (const v of values) counts[latencyBucket(v)]++;
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95]) {
      const estimate = histogramQuantile(counts, q)!;
      expect(Math.abs(estimate / exact(sorted, q) - 1)).toBeLessThan(0.05);
    }
  });
});
