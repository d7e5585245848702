// The decision rule on hand-made totals: each gate, each guard, and what the
// decision carries (shares, reason, statistics a client can store as JSON).
import { describe, expect, it } from "vitest";
import type { ArmTotals } from "../../../src/rollouts/decision/arm-totals";
import { RolloutConfigSchema, type RolloutConfigInput } from "../../../src/rollouts/decision/config-schema";
import { decide, type DecisionInput } from "../../../src/rollouts/decision/decide";
import { LATENCY_EDGES } from "./simulate";

/** Latency histogram: `n` requests spread over the buckets around `medianMs` like a log-normal(0.5). */
function latency(n: number, medianMs: number): number[] {
  const counts = new Array<number>(LATENCY_EDGES.length + 1).fill(0);
  const center = Math.floor(8 * Math.log2(medianMs)) + 1;
  // Weights over +-12 buckets (1.5 doublings) around the median, a rough bell.
  const weights = Array.from({ length: 25 }, (_, i) => Math.exp(-(((i - 12) / 5.8) ** 2) / 2));
  const sum = weights.reduce((a, b) => a + b, 0);
  weights.forEach((w, i) => (counts[center - 12 + i] = Math.round((n * w) / sum)));
  return counts;
}

function arm(
  rated: number,
  positiveRate: number,
  options: Partial<ArmTotals> & { latencyMs?: number } = {},
): ArmTotals {
  const positive = Math.round(rated * positiveRate);
  const requests = options.requests ?? rated * 4;
  return {
    requests,
    errors: options.errors ?? Math.round(requests * 0.01),
    rated,
    positive,
    negative: rated - positive,
    latency: latency(requests, options.latencyMs ?? 800),
    ...(options.audiences ? { audiences: options.audiences } : {}),
  };
}

/** A rollout at `stepIndex` whose whole history is the current step (so total = step). */
function input(
  baseline: ArmTotals,
  candidate: ArmTotals,
  options: { config?: RolloutConfigInput; stepIndex?: number; seconds?: number } = {},
): DecisionInput {
  return {
    config: RolloutConfigSchema.parse(options.config ?? {}),
    stepIndex: options.stepIndex ?? 0,
    secondsInStep: options.seconds ?? 3_600,
    total: { baseline, candidate },
    step: { baseline, candidate },
    latencyEdges: LATENCY_EDGES,
  };
}

const equalBaseline = arm(20_000, 0.7);
const equalCandidate = arm(5_000, 0.7);

describe("decide: gates", () => {
  it("never advances on no data", () => {
    const d = decide(input(arm(0, 0), arm(0, 0), { seconds: 86_400 }));
    expect(d.action).toBe("hold");
    expect(d.to_share).toBe(5);
    expect(d.reason).toMatch(/candidate has 0 of 100 ratings/);
    expect(d.stats.positive_rate.difference).toMatchObject({ estimate: null, lower: -1, upper: 1 });
  });

  it("advances to the next step once the step has its time, its feedback and a good lower bound", () => {
    const d = decide(input(equalBaseline, equalCandidate));
    expect(d).toMatchObject({ action: "advance", from_share: 5, to_share: 25 });
    expect(d.stats.positive_rate.difference.lower).toBeGreaterThan(-0.05);
    expect(d.reason).toMatch(/^Advancing from 5% to 25%/);
  });

  it("holds until min_step_seconds", () => {
    const d = decide(input(equalBaseline, equalCandidate, { seconds: 299 }));
    expect(d.action).toBe("hold");
    expect(d.reason).toMatch(/299 s of 300 s/);
    expect(decide(input(equalBaseline, equalCandidate, { seconds: 300 })).action).toBe("advance");
  });

  it("holds until each arm has min_feedback ratings within the step, whatever came before", () => {
    const i = input(equalBaseline, equalCandidate, { stepIndex: 1 });
    i.step = { baseline: arm(1_000, 0.7), candidate: arm(99, 0.7) };
    const d = decide(i);
    expect(d.action).toBe("hold");
    expect(d.reason).toMatch(/candidate has 99 of 100 ratings this step/);
    i.step.candidate = arm(100, 0.7);
    expect(decide(i)).toMatchObject({ action: "advance", to_share: 50 });
  });

  it("holds while the lower bound is not above -max_positive_rate_drop", () => {
    const candidate = arm(300, 0.68, { requests: 20_000, errors: 200 });
    const d = decide(input(arm(2_000, 0.7), candidate));
    expect(d.action).toBe("hold");
    expect(d.stats.positive_rate.difference.lower).toBeLessThan(-0.05);
    expect(d.reason).toMatch(/lower bound must be above -5.0/);
    // A looser margin lets the same data advance.
    const loose = decide(input(arm(2_000, 0.7), candidate, { config: { guards: { max_positive_rate_drop: 0.2 } } }));
    expect(loose.action).toBe("advance");
  });

  it("promotes from the step before 100, and at 100 there is nothing left but to promote", () => {
    expect(decide(input(equalBaseline, equalCandidate, { stepIndex: 2 }))).toMatchObject({
      action: "promote",
      from_share: 50,
      to_share: 100,
    });
    expect(decide(input(arm(0, 0), arm(0, 0), { stepIndex: 3 }))).toMatchObject({ action: "promote", to_share: 100 });
  });

  it("refuses a step index outside the steps", () => {
    expect(() => decide(input(equalBaseline, equalCandidate, { stepIndex: 4 }))).toThrow(/stepIndex 4/);
    expect(() => decide(input(equalBaseline, equalCandidate, { stepIndex: -1 }))).toThrow(RangeError);
  });
});

describe("decide: guards", () => {
  it("rolls back when the positive rate is surely lower", () => {
    const d = decide(input(arm(4_000, 0.7), arm(400, 0.6)));
    expect(d).toMatchObject({ action: "rollback", from_share: 5, to_share: 0 });
    expect(d.stats.fired).toEqual(["positive_rate"]);
    expect(d.stats.positive_rate.difference.upper).toBeLessThan(0);
    expect(d.reason).toMatch(/positive rate 60.0% vs baseline 70.0%/);
  });

  it("does not act on fewer than 30 ratings per arm, however bad they look", () => {
    const d = decide(input(arm(4_000, 0.7), arm(29, 0), { seconds: 60 }));
    expect(d.action).toBe("hold");
  });

  it("rolls back on a surely higher error rate, unless that guard is off", () => {
    const candidate = arm(1_000, 0.7, { requests: 4_000, errors: 200 });
    const on = decide(input(equalBaseline, candidate));
    expect(on.action).toBe("rollback");
    expect(on.stats.fired).toEqual(["error_rate"]);
    const off = decide(input(equalBaseline, candidate, { config: { guards: { max_error_rate_increase: null } } }));
    expect(off.action).not.toBe("rollback");
    expect(off.stats.error_rate).toBeNull();
  });

  it("holds, without rolling back, while the error rate is up but not yet beyond doubt", () => {
    const d = decide(input(equalBaseline, arm(5_000, 0.7, { requests: 2_000, errors: 40 })));
    expect(d.action).toBe("hold");
    expect(d.reason).toMatch(/error-rate difference/);
  });

  it("rolls back on a surely slower p95, unless that guard is off", () => {
    const candidate = arm(5_000, 0.7, { latencyMs: 2_400 });
    const on = decide(input(equalBaseline, candidate));
    expect(on.action).toBe("rollback");
    expect(on.stats.fired).toEqual(["p95_latency"]);
    expect(on.stats.p95_latency_ms!.candidate.lower).toBeGreaterThan(1.5 * on.stats.p95_latency_ms!.baseline.upper!);
    const off = decide(input(equalBaseline, candidate, { config: { guards: { max_p95_latency_ratio: null } } }));
    expect(off.action).toBe("advance");
  });

  it("rolls back for one audience worse off only with per_segment", () => {
    // Five audiences; the candidate is 20 points worse for one, 4 points overall.
    const audiences = (rate: number, n: number) => ({
      web: arm(n, 0.7),
      mobile: arm(n, 0.7),
      email: arm(n, 0.7),
      chat: arm(n, 0.7),
      kiosk: arm(n, rate),
    });
    const baseline = arm(6_000, 0.7, { audiences: audiences(0.7, 1_200) });
    const candidate = arm(1_000, 0.66, { audiences: audiences(0.5, 200) });
    const without = decide(input(baseline, candidate));
    expect(without.action).not.toBe("rollback");
    expect(without.stats.audiences).toBeNull();
    const withSegments = decide(input(baseline, candidate, { config: { guards: { per_segment: "audience" } } }));
    expect(withSegments.action).toBe("rollback");
    expect(withSegments.stats.fired).toEqual(["audience_positive_rate"]);
    expect(withSegments.stats.audiences!.filter((a) => a.worse).map((a) => a.audience)).toEqual(["kiosk"]);
    expect(withSegments.reason).toMatch(/audience "kiosk"/);
  });

  it('names the audience "" (requests that named none) in words', () => {
    const audiences = (rate: number, n: number) => ({ web: arm(n, 0.7), "": arm(n, rate) });
    const baseline = arm(4_000, 0.7, { audiences: audiences(0.7, 2_000) });
    const candidate = arm(600, 0.65, { audiences: audiences(0.5, 300) });
    const d = decide(input(baseline, candidate, { config: { guards: { per_segment: "audience" } } }));
    expect(d.stats.fired).toContain("audience_positive_rate");
    expect(d.reason).toMatch(/requests without an audience: positive rate 50.0% vs 70.0%/);
  });

  it("returns statistics that survive a JSON round trip unchanged", () => {
    const d = decide(input(arm(40, 0.7), arm(10, 0.5), { config: { guards: { per_segment: "audience" } } }));
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d.stats.p95_latency_ms!.candidate.upper).toBeNull();
  });
});
