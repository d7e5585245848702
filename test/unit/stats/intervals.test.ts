import { describe, expect, it } from "vitest";
import { meanInterval, rate, t95, wilsonInterval } from "../../../src/stats/intervals";

/** A seeded generator (mulberry32), so the coverage runs are the same every time. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("wilsonInterval", () => {
  // Reference values: Wilson (1927); e.g. Newcombe (1998), Table I, and R's prop.test(correct = FALSE).
  const cases: [number, number, [number, number] | null][] = [
    [0, 0, null],
    [10, 20, [0.2993, 0.7007]],
    [0, 10, [0, 0.2775]],
    [10, 10, [0.7225, 1]],
    [1, 10, [0.0179, 0.4042]],
    [81, 263, [0.2553, 0.3662]],
  ];
  it.each(cases)("%i of %i → %j", (k, n, expected) => {
    const interval = wilsonInterval(k, n);
    if (expected === null) return expect(interval).toBeNull();
    expect(interval![0]).toBeCloseTo(expected[0], 4);
    expect(interval![1]).toBeCloseTo(expected[1], 4);
  });

  it.each([
    [0.7, 50],
    [0.5, 20],
    [0.95, 200],
  ])("covers the true rate p = %f, n = %i about 95 %% of the time", (p, n) => {
    const next = random(7);
    const runs = 4000;
    let covered = 0;
    for (let run = 0; run < runs; run++) {
      let k = 0;
      for (let i = 0; i < n; i++) if (next() < p) k++;
      const [lo, hi] = wilsonInterval(k, n)!;
      if (lo <= p && p <= hi) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.92);
    expect(covered / runs).toBeLessThan(0.985);
  });
});

describe("meanInterval", () => {
  it("no values: no mean, no interval", () => {
    expect(meanInterval(0, 0, 0)).toEqual({ mean: null, ci: null });
  });
  it("one value: a mean but no interval", () => {
    expect(meanInterval(1, 0.4, 0.16)).toEqual({ mean: 0.4, ci: null });
  });
  it("0.2, 0.4, 0.6, 0.8: mean 0.5 ± t(3) · s / 2", () => {
    const { mean, ci } = meanInterval(4, 2, 0.04 + 0.16 + 0.36 + 0.64);
    expect(mean).toBeCloseTo(0.5, 12);
    expect(ci![0]).toBeCloseTo(0.5 - (3.182 * Math.sqrt(0.2 / 3)) / 2, 6);
    expect(ci![1]).toBeCloseTo(0.5 + (3.182 * Math.sqrt(0.2 / 3)) / 2, 6);
  });
  it("equal values: a zero-width interval even when the sums round", () => {
    const n = 3;
    const { ci } = meanInterval(n, 0.1 * n, 0.1 * 0.1 * n);
    expect(ci![0]).toBeCloseTo(0.1, 9);
    expect(ci![1]).toBeCloseTo(0.1, 9);
  });
  it("is clamped to the values' range", () => {
    const { ci } = meanInterval(2, 1, 1); // 0 and 1
    expect(ci).toEqual([0, 1]);
  });
});

describe("t95", () => {
  it.each([
    [1, 12.706],
    [3, 3.182],
    [30, 2.042],
    [40, 2.021],
    [120, 1.98],
    [1e6, 1.96],
  ])("df %i → %f", (df, expected) => expect(t95(df)).toBeCloseTo(expected, 2));
});

describe("rate", () => {
  it("is null without a denominator", () => {
    expect(rate(0, 0)).toBeNull();
    expect(rate(3, 4)).toBe(0.75);
  });
});
