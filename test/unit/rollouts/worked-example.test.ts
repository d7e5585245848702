// The worked example of docs/rollouts.md, so the page cannot drift from the code.
import { describe, expect, it } from "vitest";
import { normalMixtureBoundary } from "../../../src/rollouts/decision/confidence-sequence";
import { RolloutConfigSchema } from "../../../src/rollouts/decision/config-schema";
import { decide } from "../../../src/rollouts/decision/decide";
import { rateVariance } from "../../../src/rollouts/decision/rate-difference";

const arm = (rated: number, positive: number, requests: number, errors: number) => ({
  rated,
  positive,
  negative: rated - positive,
  requests,
  errors,
});

function atFirstStep(baseline: ReturnType<typeof arm>, candidate: ReturnType<typeof arm>) {
  return decide({
    config: RolloutConfigSchema.parse({}),
    stepIndex: 0,
    secondsInStep: 7_200,
    total: { baseline, candidate },
    step: { baseline, candidate },
  });
}

const points = (x: number) => Number((100 * x).toFixed(1));

describe("docs/rollouts.md worked example", () => {
  it("a worse candidate: 171 of 300 against 3,990 of 5,700 rolls back", () => {
    const baseline = arm(5_700, 3_990, 22_800, 228);
    const candidate = arm(300, 171, 1_200, 12);
    const V = rateVariance({ trials: 300, successes: 171 }) + rateVariance({ trials: 5_700, successes: 3_990 });
    expect(V).toBeCloseTo(0.000854, 6);
    expect(normalMixtureBoundary(1 / V, 0.02, 1 / 0.06 ** 2)).toBeCloseTo(108.3, 1);
    const d = atFirstStep(baseline, candidate);
    expect(d.action).toBe("rollback");
    expect(points(d.stats.positive_rate.difference.lower)).toBe(-22.2);
    expect(points(d.stats.positive_rate.difference.upper)).toBe(-3.8);
    expect(d.reason).toBe(
      "Candidate is worse than baseline: positive rate 57.0% vs baseline 70.0%, difference -22.2 to -3.8 points (96% always-valid). Rolling back from 5%.",
    );
  });

  it("an equal candidate: 566 of 800 against 10,640 of 15,200 advances to 25 %", () => {
    const d = atFirstStep(arm(15_200, 10_640, 60_800, 608), arm(800, 566, 3_200, 32));
    expect(d).toMatchObject({ action: "advance", to_share: 25 });
    expect(points(d.stats.positive_rate.difference.lower)).toBe(-4.4);
    expect(points(d.stats.positive_rate.difference.upper)).toBe(5.9);
    expect(d.stats.error_rate!.difference.upper).toBeCloseTo(0.0066, 4);
  });

  it("exactly equal rates at a 5 % share advance from about 870 candidate ratings", () => {
    const config = RolloutConfigSchema.parse({ guards: { max_error_rate_increase: null } });
    const at = (n: number) => {
      const baseline = arm(19 * n, Math.round(0.7 * 19 * n), 0, 0);
      const candidate = arm(n, Math.round(0.7 * n), 0, 0);
      return decide({
        config,
        stepIndex: 0,
        secondsInStep: 7_200,
        total: { baseline, candidate },
        step: { baseline, candidate },
      });
    };
    expect(at(860).action).toBe("hold");
    expect(at(870).action).toBe("advance");
  });
});
