// One-sided normal-mixture confidence sequences (Howard, Ramdas, McAuliffe and
// Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences",
// Ann. Statist. 2021, section 3.2; with a symmetric mixture this is the mSPRT
// of Johari, Pekelis and Walsh, "Always valid inference", 2017). A rollout is
// evaluated every minute for as long as it runs, so a fixed-n interval would
// be wrong about one look in twenty by design; this boundary holds at every
// look at once: P(the sum ever crosses it) <= alpha, however often one looks
// and whenever one stops. Every question the rule asks is one-sided (is the
// candidate worse? is it at most this much worse?), and the half-normal
// mixture spends the whole alpha on the side asked about.
//
// With the mixing precision rho, the mixture of exp(lambda S - lambda^2 v / 2)
// over lambda ~ half-normal is the nonnegative martingale
//   M(S, v) = 2 sqrt(rho / (v + rho)) exp(S^2 / (2 (v + rho))) Phi(S / sqrt(v + rho)),
// and by Ville's inequality P(exists a look with M >= 1/alpha) <= alpha. M grows
// with S, so that event is {S >= boundary(v)}, found here by bisection.

/** log(erfc(z) / 2) for z >= 0, i.e. log Phi(-z sqrt 2); ~1e-7 relative (Numerical Recipes, 6.2). */
function logHalfErfc(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly - Math.LN2;
}

/** log Phi(x) of the standard normal. */
export function logPhi(x: number): number {
  const tail = logHalfErfc(Math.abs(x) / Math.SQRT2);
  return x >= 0 ? Math.log1p(-Math.exp(tail)) : tail;
}

/** log M(S, v). */
function logMixture(s: number, v: number, rho: number): number {
  const w = v + rho;
  return Math.LN2 + 0.5 * Math.log(rho / w) + (s * s) / (2 * w) + logPhi(s / Math.sqrt(w));
}

/** d log M / dS: S / w + phi(x) / (Phi(x) sqrt w) with x = S / sqrt w. */
function logMixtureSlope(s: number, v: number, rho: number): number {
  const w = v + rho;
  const x = s / Math.sqrt(w);
  return s / w + Math.exp(-0.5 * x * x - 0.5 * Math.log(2 * Math.PI) - logPhi(x)) / Math.sqrt(w);
}

/**
 * The one-sided boundary for a sum S of centred increments with (sub-)Gaussian
 * variance process v: P(exists a look with S >= boundary(v)) <= alpha. It is
 * tightest around v ~ 10 rho and loose but still valid everywhere else.
 */
export function normalMixtureBoundary(v: number, alpha: number, rho: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(rho > 0)) throw new RangeError(`rho must be positive, got ${rho}`);
  if (!(v >= 0 && v < Infinity)) throw new RangeError(`v must be finite and non-negative, got ${v}`);
  const target = Math.log(1 / alpha);
  // Bracket: at S = 0, M = sqrt(rho / (v + rho)) <= 1 < 1/alpha; at the symmetric mixture's
  // boundary, M without its factor 2 Phi is 1/alpha, and 2 Phi >= 1 there.
  let lo = 0;
  let hi = Math.sqrt((v + rho) * (2 * target + Math.log1p(v / rho)));
  // Newton's method kept inside the bracket (bisecting when a step leaves it), from where the
  // symmetric mixture is 1/(2 alpha): there M = Phi / alpha, just short of the root since Phi
  // is near 1. Two or three steps reach |log M - log(1/alpha)| < 1e-10, alpha to ten digits.
  let s = Math.sqrt(Math.max(0, (v + rho) * (2 * target - 2 * Math.LN2 + Math.log1p(v / rho))));
  for (let i = 0; i < 100; i++) {
    const gap = logMixture(s, v, rho) - target;
    if (Math.abs(gap) < 1e-10) return s;
    if (gap > 0) hi = s;
    else lo = s;
    const next = s - gap / logMixtureSlope(s, v, rho);
    s = next > lo && next < hi ? next : (lo + hi) / 2;
  }
  return hi;
}

/**
 * The same one-sided boundary for an average-like estimate whose variance is
 * `variance` (information 1/variance): the truth is below estimate + radius
 * (or, for the other side, above estimate - radius) at every look with
 * probability >= 1 - alpha. `tau` is the standard deviation of the mixing
 * normal on the estimate's own scale, roughly the size of effect the sequence
 * is quickest to detect. Infinite with no information.
 */
export function normalMixtureRadius(variance: number, alpha: number, tau: number): number {
  if (!(tau > 0)) throw new RangeError(`tau must be positive, got ${tau}`);
  if (variance === Infinity) return Infinity;
  if (!(variance > 0)) throw new RangeError(`variance must be positive, got ${variance}`);
  // S = (estimate - truth) / variance has variance process v = 1 / variance.
  return variance * normalMixtureBoundary(1 / variance, alpha, 1 / (tau * tau));
}
