// Wire types of the training-data export endpoints: the query of a streamed
// export, a named feed, and a background export job. Options map onto
// src/export's ExportOptions and ExportFilters.
import * as z from "zod";
import { EXPORT_FORMATS } from "./export-formats";
import { TagSchema } from "./feedback";
import { BooleanParam, FilterParam, TimeParam } from "./query-params";

const Slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be a slug: [a-z0-9][a-z0-9_-]*, at most 32 characters");

const exportFields = {
  format: z.enum(EXPORT_FORMATS),
  task: FilterParam.optional(),
  adapter: FilterParam.optional(),
  version: FilterParam.optional(),
  audience: FilterParam.optional(),
  min_score: z.coerce.number().min(0).max(1).optional(),
  system: z.enum(["as_sent", "client", "none"]).optional(),
  split: z.enum(["train", "validation"]).optional(),
  val_ratio: z.coerce.number().min(0).max(1).optional(),
};

const timeRange = <T extends z.ZodRawShape>(shape: T) =>
  z.object(shape).superRefine((q: { since?: number; until?: number }, ctx) => {
    if (q.since !== undefined && q.until !== undefined && q.until <= q.since) {
      ctx.addIssue({ code: "custom", path: ["until"], message: "must be later than since" });
    }
  });

const tagsParam = z
  .string()
  .transform((text) =>
    text
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .pipe(z.array(TagSchema).max(16));

export const TrainingDataQuerySchema = timeRange({
  ...exportFields,
  tags: tagsParam.optional(),
  since: TimeParam.optional(),
  until: TimeParam.optional(),
  redact: BooleanParam.optional(),
  dedup: BooleanParam.optional(),
  include_stats: BooleanParam.optional(),
});
export type TrainingDataQuery = z.infer<typeof TrainingDataQuerySchema>;

/** JSON bodies (feeds, jobs) take the same fields with JSON types. */
export const ExportSpecSchema = z
  .object({
    ...exportFields,
    min_score: z.number().min(0).max(1).optional(),
    val_ratio: z.number().min(0).max(1).optional(),
    tags: z.array(TagSchema).max(16).optional(),
    since: z.number().int().min(0).optional(),
    until: z.number().int().min(0).optional(),
    redact: z.boolean().optional(),
    dedup: z.boolean().optional(),
  })
  .strict()
  .meta({ id: "ExportSpec" });
export type ExportSpec = z.infer<typeof ExportSpecSchema>;

export const CreateFeedSchema = ExportSpecSchema.extend({ name: Slug }).strict().meta({ id: "CreateFeed" });

export const AckFeedSchema = z
  .object({ cursor: z.string().regex(/^f1\.\d{1,15}$/, "must be a cursor from a feed run") })
  .strict();

export const FeedNameParam = z.object({ name: Slug });
export const JobIdParam = z.object({ id: z.string().regex(/^exp_[0-9a-f]{32}$/, "must be an export id") });
