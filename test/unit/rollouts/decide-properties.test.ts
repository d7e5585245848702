// Properties of decide() over arbitrary consistent totals: the gates can never
// be skipped, identical arms are never rolled back, the shares follow the
// action, and the statistics are plain JSON.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ArmTotals } from "../../../src/rollouts/decision/arm-totals";
import { RolloutConfigSchema } from "../../../src/rollouts/decision/config-schema";
import { decide, type DecisionInput } from "../../../src/rollouts/decision/decide";
import { LATENCY_EDGES } from "./simulate";

interface Shape {
  rated: number;
  positiveShare: number;
  requests: number;
  errorShare: number;
  latencyCenter: number;
}

function totals({ rated, positiveShare, requests, errorShare, latencyCenter }: Shape): ArmTotals {
  const positive = Math.round(rated * positiveShare);
  const latency = new Array<number>(LATENCY_EDGES.length + 1).fill(0);
  latency[latencyCenter] = Math.floor(requests / 2);
  latency[latencyCenter + 8] = requests - Math.floor(requests / 2);
  return {
    rated,
    positive,
    negative: rated - positive,
    requests,
    errors: Math.round(requests * errorShare),
    latency,
    audiences: { a: { rated, positive, negative: rated - positive, requests: 0, errors: 0 } },
  };
}

const shape = fc.record({
  rated: fc.nat(20_000),
  positiveShare: fc.double({ min: 0, max: 1, noNaN: true }),
  requests: fc.nat(80_000),
  errorShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
  latencyCenter: fc.integer({ min: 60, max: 110 }),
});
const counts = shape.map(totals);

/** Two arms either unrelated or alike (the candidate a smaller sample at nearly the same rates), so advances happen. */
const arms = fc.oneof(
  fc.tuple(counts, counts),
  fc.tuple(shape, fc.double({ min: 0.02, max: 1, noNaN: true }), fc.double({ min: -0.03, max: 0.03, noNaN: true })).map(
    ([b, fraction, drift]) =>
      [
        totals(b),
        totals({
          ...b,
          rated: Math.round(b.rated * fraction),
          requests: Math.round(b.requests * fraction),
          positiveShare: Math.min(1, Math.max(0, b.positiveShare + drift)),
        }),
      ] as const,
  ),
);

const settings = fc.record({
  stepIndex: fc.nat(3),
  secondsInStep: fc.nat(7_200),
  minFeedback: fc.integer({ min: 1, max: 500 }),
  perSegment: fc.boolean(),
});

function input(
  s: { stepIndex: number; secondsInStep: number; minFeedback: number; perSegment: boolean },
  baseline: ArmTotals,
  candidate: ArmTotals,
): DecisionInput {
  return {
    config: RolloutConfigSchema.parse({
      min_feedback: s.minFeedback,
      guards: { per_segment: s.perSegment ? "audience" : null },
    }),
    stepIndex: s.stepIndex,
    secondsInStep: s.secondsInStep,
    total: { baseline, candidate },
    step: { baseline, candidate },
    latencyEdges: LATENCY_EDGES,
  };
}

describe("decide: properties", () => {
  it("never advances or promotes from a step before its time and feedback", () => {
    fc.assert(
      fc.property(settings, arms, (s, [baseline, candidate]) => {
        const i = input(s, baseline, candidate);
        const d = decide(i);
        if (s.stepIndex === 3 || d.action === "hold" || d.action === "rollback") return;
        expect(s.secondsInStep).toBeGreaterThanOrEqual(i.config.min_step_seconds);
        expect(baseline.rated).toBeGreaterThanOrEqual(s.minFeedback);
        expect(candidate.rated).toBeGreaterThanOrEqual(s.minFeedback);
        expect(d.stats.positive_rate.difference.lower).toBeGreaterThan(-i.config.guards.max_positive_rate_drop);
      }),
      { numRuns: 300 },
    );
  });

  it("never rolls back a candidate whose counts equal the baseline's", () => {
    fc.assert(
      fc.property(settings, counts, (s, arm) => {
        expect(decide(input(s, arm, arm)).action).not.toBe("rollback");
      }),
      { numRuns: 300 },
    );
  });

  it("moves the share as the action says, and its statistics survive JSON", () => {
    fc.assert(
      fc.property(settings, arms, (s, [baseline, candidate]) => {
        const d = decide(input(s, baseline, candidate));
        const steps = [5, 25, 50, 100];
        expect(d.from_share).toBe(steps[s.stepIndex]);
        const expected = { rollback: 0, hold: d.from_share, promote: 100, advance: steps[s.stepIndex + 1] };
        expect(d.to_share).toBe(expected[d.action]);
        if (d.action === "advance") expect(d.to_share).toBeLessThan(100);
        expect(d.reason.length).toBeGreaterThan(0);
        expect(JSON.parse(JSON.stringify(d))).toEqual(d);
      }),
      { numRuns: 300 },
    );
  });
});
