// Rollout settings: defaults fill in, and each bad value is refused with the
// field named the way the API's 400 names it (validationError's `param`).
import { describe, expect, it } from "vitest";
import { DEFAULTS, RolloutConfigSchema, defaultRolloutConfig } from "../../../src/rollouts/decision/config-schema";
import { validationError } from "../../../src/schemas/validation-error";
import * as z from "zod";

function refusal(input: unknown) {
  const result = RolloutConfigSchema.safeParse(input);
  if (result.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  const error = validationError(result.error);
  return { param: error.param, message: error.message };
}

describe("RolloutConfigSchema", () => {
  it("fills every default", () => {
    expect(defaultRolloutConfig()).toEqual({
      steps: [5, 25, 50, 100],
      min_feedback: 100,
      min_step_seconds: 300,
      guards: {
        max_positive_rate_drop: 0.05,
        max_error_rate_increase: 0.01,
        max_p95_latency_ratio: 1.5,
        per_segment: null,
      },
    });
    expect(DEFAULTS.guards.max_positive_rate_drop).toBe(0.05);
  });

  it("keeps what is given and fills the rest, inside guards too", () => {
    const c = RolloutConfigSchema.parse({
      steps: [10, 100],
      guards: { per_segment: "audience", max_p95_latency_ratio: null },
    });
    expect(c.steps).toEqual([10, 100]);
    expect(c.min_feedback).toBe(100);
    expect(c.guards).toEqual({
      max_positive_rate_drop: 0.05,
      max_error_rate_increase: 0.01,
      max_p95_latency_ratio: null,
      per_segment: "audience",
    });
    expect(RolloutConfigSchema.parse({ steps: [100] }).steps).toEqual([100]);
  });

  it("does not share the default steps array between parses", () => {
    const a = defaultRolloutConfig();
    a.steps.push(200);
    expect(defaultRolloutConfig().steps).toEqual([5, 25, 50, 100]);
  });

  it.each([
    [{ steps: [5, 5, 100] }, "steps[1]", /strictly increasing/],
    [{ steps: [50, 25, 100] }, "steps[1]", /strictly increasing/],
    [{ steps: [5, 25, 50] }, "steps[2]", /last step must be 100/],
    [{ steps: [0, 100] }, "steps[0]", /greater than 0|>0/],
    [{ steps: [5, 150] }, "steps[1]", /100/],
    [{ steps: [5.5, 100] }, "steps[0]", /whole percentage/],
    [{ steps: [] }, "steps", /1/],
    [{ steps: "5,25,100" }, "steps", /array/],
    [{ min_feedback: 0 }, "min_feedback", /1/],
    [{ min_feedback: 2.5 }, "min_feedback", /int/],
    [{ min_step_seconds: -1 }, "min_step_seconds", /0/],
    [{ guards: { max_positive_rate_drop: -0.01 } }, "guards.max_positive_rate_drop", /0/],
    [{ guards: { max_positive_rate_drop: 1 } }, "guards.max_positive_rate_drop", /1/],
    [{ guards: { max_error_rate_increase: "1%" } }, "guards.max_error_rate_increase", /number/],
    [{ guards: { max_p95_latency_ratio: 0.9 } }, "guards.max_p95_latency_ratio", /1/],
    [{ guards: { per_segment: "region" } }, "guards.per_segment", /audience/],
    [{ guards: { max_positve_rate_drop: 0.1 } }, "guards.max_positve_rate_drop", /max_positve_rate_drop/],
    [{ step: [5, 100] }, "step", /step/],
  ])("refuses %j naming %s", (input, param, message) => {
    const r = refusal(input);
    expect(r.param).toBe(param);
    expect(r.message).toMatch(message);
  });

  it("extends into a request body with the service's own fields, staying strict", () => {
    const Body = RolloutConfigSchema.extend({ task: z.string(), candidate: z.string() });
    const body = Body.parse({ task: "support", candidate: "support-v3", min_feedback: 50 });
    expect(body).toMatchObject({ task: "support", candidate: "support-v3", min_feedback: 50, steps: [5, 25, 50, 100] });
    expect(Body.safeParse({ task: "t", candidate: "c", steps: [5, 50] }).success).toBe(false);
    expect(Body.safeParse({ task: "t", candidate: "c", bogus: 1 }).success).toBe(false);
  });
});
