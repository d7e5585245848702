// The always-valid interval of a difference of rates: what it says with no or
// degenerate data, how strata combine, and that under repeated looks with a
// changing allocation the truth stays inside as often as promised.
import { describe, expect, it } from "vitest";
import { rateDifference, rateVariance } from "../../../src/rollouts/decision/rate-difference";
import { prng } from "./simulate";

const pair = (nb: number, xb: number, nc: number, xc: number) => ({
  baseline: { trials: nb, successes: xb },
  candidate: { trials: nc, successes: xc },
});

describe("rateDifference", () => {
  it("says nothing without data in both arms of some stratum", () => {
    expect(rateDifference([], 0.02, 0.06)).toEqual({ estimate: null, lower: -1, upper: 1, variance: null });
    expect(rateDifference([pair(100, 70, 0, 0), pair(0, 0, 50, 20)], 0.02, 0.06).estimate).toBeNull();
  });

  it("does not claim certainty from all-or-nothing samples", () => {
    expect(rateVariance({ trials: 40, successes: 0 })).toBeGreaterThan(0);
    expect(rateVariance({ trials: 40, successes: 40 })).toBeGreaterThan(0);
    const d = rateDifference([pair(40, 40, 40, 0)], 0.02, 0.06);
    expect(d.estimate).toBe(-1);
    expect(d.lower).toBe(-1);
    expect(d.upper).toBeLessThan(0);
  });

  it("clamps a stratum's counts moved by changed ratings (6 positive of 5 rated) instead of going NaN", () => {
    const d = rateDifference([pair(1_000, 700, 200, 140), pair(50, 35, 5, 6)], 0.02, 0.06);
    expect(Number.isFinite(d.lower) && Number.isFinite(d.upper)).toBe(true);
    expect(d.estimate).toBeGreaterThan(-0.1);
    expect(rateDifference([pair(50, -1, 5, 2)], 0.02, 0.06).estimate).toBeCloseTo(0.4, 12);
  });

  it("is centred on the difference and narrows with data", () => {
    const small = rateDifference([pair(200, 140, 200, 120)], 0.02, 0.06);
    const large = rateDifference([pair(2_000, 1_400, 2_000, 1_200)], 0.02, 0.06);
    expect(small.estimate).toBeCloseTo(-0.1, 12);
    expect(large.estimate).toBeCloseTo(-0.1, 12);
    expect(small.lower).toBeLessThan(large.lower);
    expect(small.upper).toBeGreaterThan(large.upper);
    expect(large.upper).toBeLessThan(0);
    expect((small.lower + small.upper) / 2).toBeCloseTo(-0.1, 12);
  });

  it("compares within strata: a drift in both arms is not a difference (Simpson's paradox)", () => {
    // Stratum 1 at a 5 % share: both arms 80 %. Stratum 2 at 50 %: both arms 60 %.
    // Pooled, the candidate (mostly in stratum 2) looks ~15 points worse; within strata it is equal.
    const strata = [pair(19_000, 15_200, 1_000, 800), pair(5_000, 3_000, 5_000, 3_000)];
    const d = rateDifference(strata, 0.02, 0.06);
    expect(d.estimate).toBeCloseTo(0, 12);
    expect(d.lower).toBeLessThan(0);
    expect(d.upper).toBeGreaterThan(0);
    const pooled = rateDifference([pair(24_000, 18_200, 6_000, 3_800)], 0.02, 0.06);
    expect(pooled.upper).toBeLessThan(0);
  });

  it("holds at every look: the truth leaves the interval on at most 2 alpha of runs", () => {
    const alpha = 0.05;
    const runs = 400;
    let missed = 0;
    for (let r = 0; r < runs; r++) {
      const random = prng(100 + r);
      const arms = [
        { trials: 0, successes: 0 },
        { trials: 0, successes: 0 },
      ];
      const p = [0.7, 0.65];
      for (let look = 0; look < 300; look++) {
        // The candidate's share grows as in a rollout: 5 %, then 25 %, then 50 %.
        const share = look < 100 ? 0.05 : look < 200 ? 0.25 : 0.5;
        for (let i = 0; i < 50; i++) {
          const arm = random() < share ? 1 : 0;
          arms[arm].trials++;
          if (random() < p[arm]) arms[arm].successes++;
        }
        if (arms[0].trials < 30 || arms[1].trials < 30) continue;
        const d = rateDifference([{ baseline: arms[0], candidate: arms[1] }], alpha, 0.06);
        if (d.lower > p[1] - p[0] || d.upper < p[1] - p[0]) {
          missed++;
          break;
        }
      }
    }
    expect(missed / runs).toBeLessThanOrEqual(2 * alpha);
  });
});
