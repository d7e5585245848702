// The one-sided normal-mixture boundary: it solves the mixture equation (checked
// against the mixture integral computed by quadrature, not against the closed
// form the code uses), it is ordered as it must be, and a Gaussian random walk
// looked at after every step crosses it at most alpha of the time.
import { describe, expect, it } from "vitest";
import { logPhi, normalMixtureBoundary, normalMixtureRadius } from "../../../src/rollouts/decision/confidence-sequence";
import { prng } from "./simulate";

/** The mixture of exp(l s - l^2 v / 2) over l ~ half-normal(precision rho), by the trapezoid rule. */
function mixtureByQuadrature(s: number, v: number, rho: number): number {
  const sd = 1 / Math.sqrt(rho);
  const top = 12 * sd + (2 * s) / Math.max(v, 1e-9);
  const steps = 200_000;
  const h = top / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const l = i * h;
    const density = (2 / (sd * Math.sqrt(2 * Math.PI))) * Math.exp(-0.5 * (l / sd) ** 2);
    const f = Math.exp(l * s - (l * l * v) / 2) * density;
    sum += i === 0 || i === steps ? f / 2 : f;
  }
  return sum * h;
}

describe("normalMixtureBoundary", () => {
  it.each([
    [100, 0.02, 10],
    [1_000, 0.005, 10],
    [5, 0.05, 1],
    [40_000, 0.01, 300],
  ])("v = %s, alpha = %s, rho = %s: the mixture equals 1/alpha on the boundary", (v, alpha, rho) => {
    const b = normalMixtureBoundary(v, alpha, rho);
    expect(mixtureByQuadrature(b, v, rho)).toBeCloseTo(1 / alpha, 3);
    expect(mixtureByQuadrature(b * 0.99, v, rho)).toBeLessThan(1 / alpha);
  });

  it("lies between the symmetric mixture's boundaries at alpha and 2 alpha", () => {
    for (const [v, alpha, rho] of [
      [100, 0.02, 10],
      [1e6, 0.001, 1],
      [0, 0.05, 1],
    ]) {
      const symmetric = (a: number) => Math.sqrt((v + rho) * (2 * Math.log(1 / a) + Math.log1p(v / rho)));
      const b = normalMixtureBoundary(v, alpha, rho);
      expect(b).toBeLessThan(symmetric(alpha));
      expect(b).toBeGreaterThan(symmetric(2 * alpha));
    }
  });

  it("grows with v and with confidence", () => {
    expect(normalMixtureBoundary(200, 0.02, 10)).toBeGreaterThan(normalMixtureBoundary(100, 0.02, 10));
    expect(normalMixtureBoundary(100, 0.01, 10)).toBeGreaterThan(normalMixtureBoundary(100, 0.02, 10));
  });

  it("is crossed by at most alpha of Gaussian random walks looked at after every step", () => {
    const random = prng(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const alpha = 0.05;
    const paths = 2_000;
    const boundary = Array.from({ length: 1_000 }, (_, t) => normalMixtureBoundary(t + 1, alpha, 10));
    let crossed = 0;
    for (let p = 0; p < paths; p++) {
      let s = 0;
      for (let t = 0; t < boundary.length; t++) {
        s += normal();
        if (s >= boundary[t]) {
          crossed++;
          break;
        }
      }
    }
    expect(crossed / paths).toBeLessThanOrEqual(alpha);
    // ... and is not so loose that it is never crossed.
    expect(crossed).toBeGreaterThan(0);
  });

  it.each([
    [100, 0, 10, /alpha/],
    [100, 1, 10, /alpha/],
    [100, 0.05, 0, /rho/],
    [-1, 0.05, 10, /v must/],
    [Number.NaN, 0.05, 10, /v must/],
    [Infinity, 0.05, 10, /v must/],
  ])("refuses v = %s, alpha = %s, rho = %s", (v, alpha, rho, message) => {
    expect(() => normalMixtureBoundary(v, alpha, rho)).toThrow(message);
  });
});

describe("normalMixtureRadius", () => {
  it("is the boundary in the estimate's units, infinite with no information", () => {
    const variance = 1e-3;
    expect(normalMixtureRadius(variance, 0.02, 0.06)).toBeCloseTo(
      variance * normalMixtureBoundary(1 / variance, 0.02, 1 / 0.06 ** 2),
      12,
    );
    expect(normalMixtureRadius(Infinity, 0.02, 0.06)).toBe(Infinity);
    expect(() => normalMixtureRadius(0, 0.02, 0.06)).toThrow(/variance/);
    expect(() => normalMixtureRadius(1e-3, 0.02, 0)).toThrow(/tau/);
  });

  it("shrinks like the square root of the information, slower by the log factor", () => {
    const r1 = normalMixtureRadius(1e-3, 0.02, 0.06);
    const r4 = normalMixtureRadius(2.5e-4, 0.02, 0.06);
    expect(r4).toBeLessThan(r1 / 2 + 0.001);
    expect(r4).toBeGreaterThan(r1 / 2.5);
  });
});

describe("logPhi", () => {
  it.each([
    [0, Math.log(0.5)],
    [1.959963984540054, Math.log(0.975)],
    [-1.959963984540054, Math.log(0.025)],
    [-8, Math.log(6.22096057427178e-16)],
  ])("logPhi(%s)", (x, expected) => {
    expect(logPhi(x)).toBeCloseTo(expected, 5);
  });
});
