// Wire types of GET /v1/stats/versions (docs/stats.md): the query it takes
// and the report it answers. Counts are integers (0 when nothing happened);
// every rate, mean, interval and percentile is null when there is no data.
import * as z from "zod";
import { TimeParam } from "./query-params";

export const StatsVersionsQuerySchema = z.strictObject({
  task: z.string().min(1).max(64).describe("the task (model name) whose versions to report"),
  since: TimeParam.optional().describe(
    "start (epoch ms or ISO 8601); its hour is the first one counted; default 24 hours before until",
  ),
  until: TimeParam.optional().describe("end, exclusive (epoch ms or ISO 8601); default now"),
  by: z.enum(["audience"]).optional().describe("add one block per audience, with `flagged`"),
  interval: z.enum(["hour", "day"]).optional().describe("add a time series per version (UTC hours or days)"),
});
export type StatsVersionsQuery = z.infer<typeof StatsVersionsQuerySchema>;

const Interval = z.tuple([z.number(), z.number()]).nullable().describe("95 % interval [lo, hi]; null without data");

export const StatsBlockSchema = z.object({
  requests: z.number().int(),
  ok: z.number().int(),
  errors: z.object({ upstream_error: z.number().int(), timeout: z.number().int(), client_aborted: z.number().int() }),
  error_rate: z.number().nullable().describe("(upstream_error + timeout) / requests"),
  latency_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable(), mean: z.number().nullable() }),
  tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }),
  feedback: z.object({
    rated: z.number().int(),
    positive: z.number().int(),
    negative: z.number().int(),
    positive_rate: z.number().nullable(),
    positive_rate_ci: Interval.describe("Wilson 95 % interval of positive_rate"),
    mean_score: z.number().nullable(),
    score_ci: Interval.describe("t 95 % interval of mean_score"),
    correction_rate: z.number().nullable(),
  }),
});

export const VersionStatsSchema = StatsBlockSchema.extend({
  object: z.literal("version.stats"),
  version: z.string(),
  adapter: z.string().nullable(),
  audiences: z
    .array(
      StatsBlockSchema.extend({
        audience: z.string().nullable().describe("null: requests that named no audience"),
        flagged: z
          .boolean()
          .describe("Wilson upper bound of the audience's positive rate < the version's positive rate"),
      }),
    )
    .optional()
    .describe("with by=audience"),
  series: z
    .array(StatsBlockSchema.extend({ start: z.number().int().describe("epoch ms of the period's start") }))
    .optional()
    .describe("with interval=hour|day: every period of the range, oldest first"),
});

export const StatsVersionsSchema = z.object({
  object: z.literal("list"),
  task: z.string(),
  since: z.number().int().describe("epoch ms: start of the first hour counted"),
  until: z.number().int().describe("epoch ms, exclusive"),
  by: z.enum(["audience"]).nullable(),
  interval: z.enum(["hour", "day"]).nullable(),
  data: z.array(VersionStatsSchema),
});
