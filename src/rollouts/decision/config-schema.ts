// A rollout's decision settings as the API takes them (POST .../rollouts), with
// defaults. Strict objects: a misspelled guard silently ignored would run a
// rollout with a guard its author believes is on. Every refinement sits on the
// field it checks, so a 400 names that field (`steps[2]`), and the object can
// be extended with the service's own fields (task, candidate, ...).
import * as z from "zod";

export const DEFAULT_STEPS: readonly number[] = [5, 25, 50, 100];

export const DEFAULTS = {
  steps: DEFAULT_STEPS,
  /** Ratings per arm within a step before it may advance: each step must see its own data. */
  min_feedback: 100,
  /** Five evaluations at the cron's once a minute. */
  min_step_seconds: 300,
  guards: {
    max_positive_rate_drop: 0.05,
    max_error_rate_increase: 0.01,
    max_p95_latency_ratio: 1.5,
  },
} as const;

const StepsSchema = z
  .array(z.number().int("must be a whole percentage").gt(0).lte(100))
  .min(1)
  .max(20)
  .superRefine((steps, ctx) => {
    for (let i = 1; i < steps.length; i++) {
      if (steps[i] <= steps[i - 1]) {
        ctx.addIssue({ code: "custom", message: "steps must be strictly increasing", path: [i], input: steps[i] });
        return;
      }
    }
    const last = steps.length - 1;
    if (steps[last] !== 100) {
      ctx.addIssue({ code: "custom", message: "the last step must be 100", path: [last], input: steps[last] });
    }
  })
  .describe("the candidate's share at each step, in percent; strictly increasing, ending at 100");

export const RolloutGuardsSchema = z
  .strictObject({
    max_positive_rate_drop: z
      .number()
      .min(0)
      .lt(1)
      .default(DEFAULTS.guards.max_positive_rate_drop)
      .describe("advance only when the candidate's positive rate is surely no more than this below the baseline's"),
    max_error_rate_increase: z
      .number()
      .min(0)
      .lt(1)
      .nullable()
      .default(DEFAULTS.guards.max_error_rate_increase)
      .describe("roll back when the candidate's error rate is surely more than this above the baseline's; null: off"),
    max_p95_latency_ratio: z
      .number()
      .gte(1)
      .nullable()
      .default(DEFAULTS.guards.max_p95_latency_ratio)
      .describe("roll back when the candidate's p95 latency is surely more than this times the baseline's; null: off"),
    per_segment: z
      .literal("audience")
      .nullable()
      .default(null)
      .describe('"audience": also roll back when any one audience is surely worse off on the candidate'),
  })
  .describe("when to roll back, and how much worse may advance");

export const RolloutConfigSchema = z.strictObject({
  steps: StepsSchema.default([...DEFAULT_STEPS]),
  min_feedback: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULTS.min_feedback)
    .describe("ratings per arm within a step before it may advance"),
  min_step_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(DEFAULTS.min_step_seconds)
    .describe("seconds a step runs at least before it may advance"),
  guards: RolloutGuardsSchema.prefault({}),
});

/** Settings with every default filled in: what decide() takes. */
export type RolloutConfig = z.output<typeof RolloutConfigSchema>;
/** Settings as a client may send them. */
export type RolloutConfigInput = z.input<typeof RolloutConfigSchema>;
export type RolloutGuards = RolloutConfig["guards"];

/** The default settings (a fresh object each time). */
export function defaultRolloutConfig(): RolloutConfig {
  return RolloutConfigSchema.parse({});
}
