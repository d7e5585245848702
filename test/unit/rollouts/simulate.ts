// A seeded simulation of one rollout driven by decide(), minute by minute.
//
// Traffic model (the one docs/rollouts.md states): every simulated minute,
// RATED_PER_MINUTE = 50 rated answers; each is the candidate's with
// probability share / 100 and the baseline's otherwise (so an arm expects
// 50 x its share per minute), comes from one of `audiences` equally likely
// audiences, and is positive with that arm's and audience's rate. Alongside,
// REQUESTS_PER_MINUTE = 200 requests (a quarter of answers rated), split the same way, each an error with
// the arm's error rate and with a log-normal latency. decide() runs after each
// minute; the run ends on rollback or promote, or when MAX_FEEDBACK ratings
// have been made.
import { decide, type DecisionAction, type Guard } from "../../../src/rollouts/decision/decide";
import type { ArmTotals, SegmentTotals } from "../../../src/rollouts/decision/arm-totals";
import { RolloutConfigSchema, type RolloutConfig } from "../../../src/rollouts/decision/config-schema";
import { mulberry32 } from "../../../scripts/lib/mulberry32";

export const RATED_PER_MINUTE = 50;
export const REQUESTS_PER_MINUTE = 200;
export const MAX_FEEDBACK = 20_000;

/** 8 buckets per doubling from 1 ms, 160 buckets: the rollups' histogram. */
export const LATENCY_EDGES: readonly number[] = Array.from({ length: 159 }, (_, i) => 2 ** (i / 8));

export interface ArmModel {
  /** Positive rate per audience (index), or one rate for all. */
  positive: number | readonly number[];
  errorRate: number;
  /** Log-normal latency: median in ms and sigma of the log. */
  latencyMedianMs: number;
  latencySigma: number;
}

export interface Scenario {
  baseline: ArmModel;
  candidate: ArmModel;
  audiences: number;
  config: RolloutConfig;
  /** Ratings after which the run stops; MAX_FEEDBACK unless given. */
  maxFeedback?: number;
}

export interface Outcome {
  /** The terminal action, or "hold" when the feedback ran out first. */
  action: DecisionAction;
  /** The candidate's share when the run ended (before a rollback's move to 0). */
  share: number;
  minute: number;
  fired: Guard[];
}

/** The simulations' seeded random source. */
export const prng = mulberry32;

/**
 * Sampler of an arm's latency bucket by inversion with a guide table (Chen and
 * Asau): one uniform and, on average, about one comparison per request.
 */
function latencySampler(model: ArmModel): (u: number) => number {
  const erf = (x: number) => {
    // Abramowitz and Stegun 7.1.26; |error| < 1.5e-7, plenty for a simulation.
    const t = 1 / (1 + 0.3275911 * Math.abs(x));
    const y =
      1 -
      ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
        t *
        Math.exp(-x * x);
    return x >= 0 ? y : -y;
  };
  const cdf = (ms: number) => 0.5 * (1 + erf(Math.log(ms / model.latencyMedianMs) / (model.latencySigma * Math.SQRT2)));
  const below = [...LATENCY_EDGES.map(cdf), 1]; // P(latency < upper edge of bucket i); the last bucket is open
  const size = 1024;
  const guide = new Int32Array(size);
  for (let j = 0, b = 0; j < size; j++) {
    while (below[b] <= j / size) b++;
    guide[j] = b;
  }
  return (u) => {
    let b = guide[Math.floor(u * size)];
    while (below[b] <= u) b++;
    return b;
  };
}

/** Binomial(n, p) by inversion: cheap when n p is small, as errors per minute are. */
function binomial(n: number, p: number, u: number): number {
  let k = 0;
  let pk = (1 - p) ** n;
  let cdf = pk;
  while (u > cdf && k < n) {
    pk *= ((n - k) / (k + 1)) * (p / (1 - p));
    k++;
    cdf += pk;
  }
  return k;
}

type SimArm = ArmTotals & { latency: number[]; audiences: Record<string, SegmentTotals> };

function emptyArm(names: readonly string[], withLatency: boolean): SimArm {
  const segment = (): SegmentTotals => ({ requests: 0, errors: 0, rated: 0, positive: 0, negative: 0 });
  return {
    ...segment(),
    latency: withLatency ? new Array<number>(LATENCY_EDGES.length + 1).fill(0) : [],
    audiences: Object.fromEntries(names.map((name) => [name, segment()])),
  };
}

/** into = a - b (or a itself without b), field by field, written out: this runs every simulated minute. */
function assign(into: SegmentTotals, a: SegmentTotals, b?: SegmentTotals) {
  into.requests = a.requests - (b?.requests ?? 0);
  into.errors = a.errors - (b?.errors ?? 0);
  into.rated = a.rated - (b?.rated ?? 0);
  into.positive = a.positive - (b?.positive ?? 0);
  into.negative = a.negative - (b?.negative ?? 0);
}

/** Sets `into` to a - b, in place (latency is not subtracted: the rule reads only the cumulative one). */
function difference(into: SimArm, a: SimArm, b: SimArm, names: readonly string[]) {
  assign(into, a, b);
  for (const name of names) assign(into.audiences[name], a.audiences[name], b.audiences[name]);
}

function copyInto(into: SimArm, from: SimArm, names: readonly string[]) {
  assign(into, from);
  for (const name of names) assign(into.audiences[name], from.audiences[name]);
}

export function simulate(scenario: Scenario, seed: number): Outcome {
  const random = prng(seed);
  const { config, audiences } = scenario;
  const names = Array.from({ length: audiences }, (_, i) => `a${i}`);
  const models = [scenario.baseline, scenario.candidate];
  // Index 0 is the baseline, 1 the candidate. The objects decide() reads are updated in place.
  const rates = models.flatMap((m) =>
    names.map((_, i) => (typeof m.positive === "number" ? m.positive : m.positive[i])),
  );
  const ratedNow = new Float64Array(2 * audiences);
  const positiveNow = new Float64Array(2 * audiences);
  const latency = models.map(latencySampler);
  const total = [emptyArm(names, true), emptyArm(names, true)];
  const latencies = total.map((t) => t.latency);
  const snapshot = [emptyArm(names, false), emptyArm(names, false)];
  const step = [emptyArm(names, false), emptyArm(names, false)];
  const requested = [0, 0];
  let stepIndex = 0;
  let stepStart = 0;
  let rated = 0;
  const maxFeedback = scenario.maxFeedback ?? MAX_FEEDBACK;

  for (let minute = 1; ; minute++) {
    const share = config.steps[stepIndex] / 100;
    // Counted in flat arrays first ([arm * audiences + audience]), then copied into the totals.
    ratedNow.fill(0);
    positiveNow.fill(0);
    for (let i = 0; i < RATED_PER_MINUTE && rated < maxFeedback; i++, rated++) {
      // One uniform picks the arm and, rescaled within the arm's part, the audience.
      const u = random();
      const arm = u < share ? 1 : 0;
      const within = arm === 1 ? u / share : (u - share) / (1 - share);
      const cell = arm * audiences + Math.min(audiences - 1, Math.floor(within * audiences));
      ratedNow[cell]++;
      if (random() < rates[cell]) positiveNow[cell]++;
    }
    requested[0] = requested[1] = 0;
    for (let i = 0; i < REQUESTS_PER_MINUTE; i++) {
      // As above: one uniform for the arm and, rescaled, the latency.
      const u = random();
      const arm = u < share ? 1 : 0;
      requested[arm]++;
      latencies[arm][latency[arm](arm === 1 ? u / share : (u - share) / (1 - share))]++;
    }
    for (const arm of [0, 1]) {
      const t = total[arm];
      for (let i = 0; i < audiences; i++) {
        const a = t.audiences[names[i]];
        const n = ratedNow[arm * audiences + i];
        const good = positiveNow[arm * audiences + i];
        a.rated += n;
        a.positive += good;
        a.negative += n - good;
        t.rated += n;
        t.positive += good;
        t.negative += n - good;
      }
      t.requests += requested[arm];
      t.errors += binomial(requested[arm], models[arm].errorRate, random());
      difference(step[arm], t, snapshot[arm], names);
    }
    const d = decide({
      config,
      stepIndex,
      secondsInStep: (minute - stepStart) * 60,
      total: { baseline: total[0], candidate: total[1] },
      step: { baseline: step[0], candidate: step[1] },
      latencyEdges: LATENCY_EDGES,
    });
    if (d.action === "rollback" || d.action === "promote") {
      return { action: d.action, share: d.from_share, minute, fired: d.stats.fired };
    }
    if (rated >= maxFeedback) return { action: "hold", share: d.to_share, minute, fired: [] };
    if (d.action === "advance") {
      stepIndex++;
      stepStart = minute;
      for (const arm of [0, 1]) copyInto(snapshot[arm], total[arm], names);
    }
  }
}

/** Runs `runs` seeded simulations of a scenario (seeds base, base + 1, ...). */
export function simulateMany(scenario: Scenario, runs: number, base: number): Outcome[] {
  return Array.from({ length: runs }, (_, i) => simulate(scenario, base + i));
}

/** The baseline: positive rate 0.70; 1 % errors; latency median 800 ms, sigma 0.5. */
export const BASELINE: ArmModel = { positive: 0.7, errorRate: 0.01, latencyMedianMs: 800, latencySigma: 0.5 };
export const DEFAULT_CONFIG = RolloutConfigSchema.parse({});
export const PER_AUDIENCE_CONFIG = RolloutConfigSchema.parse({ guards: { per_segment: "audience" } });

/** Three equally likely audiences; the candidate is the baseline with `candidate`'s changes. */
export function scenario(candidate: Partial<ArmModel>, config = DEFAULT_CONFIG, maxFeedback?: number): Scenario {
  return { baseline: BASELINE, candidate: { ...BASELINE, ...candidate }, audiences: 3, config, maxFeedback };
}

/** The fraction of outcomes that pass. */
export function rate(outcomes: readonly Outcome[], pass: (o: Outcome) => boolean): number {
  return outcomes.filter(pass).length / outcomes.length;
}

export const rolledBack = (o: Outcome) => o.action === "rollback";
