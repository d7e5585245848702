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
    // Epoch ms or ISO 8601, like every time filter; stored as epoch ms.
    since: z.union([z.number().int().min(0), TimeParam]).optional(),
    until: z.union([z.number().int().min(0), TimeParam]).optional(),
    redact: z.boolean().optional(),
    dedup: z.boolean().optional(),
  })
  .strict()
  .meta({ id: "ExportSpec" });
export type ExportSpec = z.infer<typeof ExportSpecSchema>;

export const CreateFeedSchema = ExportSpecSchema.extend({ name: Slug }).strict().meta({ id: "CreateFeed" });

export const AckFeedSchema = z
  .object({
    cursor: z.string().min(1).max(128).describe("the x-switchyard-feed-cursor of a run of this feed, unchanged"),
  })
  .strict();

/** Sets the watermark to any time, backwards too: the one way to have a feed serve old feedback again. */
export const ResetFeedSchema = z
  .object({
    watermark: z
      .union([z.number().int().min(0), TimeParam])
      .describe("epoch ms or ISO 8601; 0 serves all feedback again"),
  })
  .strict();

export const FeedNameParam = z.object({ name: Slug });
export const JobIdParam = z.object({ id: z.string().regex(/^exp_[0-9a-f]{32}$/, "must be an export id") });

/** A run's lineage: the x-switchyard-feed-cursor of that run names it. */
export const FeedLineageQuery = z.object({
  cursor: z.string().min(1).max(128).describe("the x-switchyard-feed-cursor of the run, unchanged"),
});

/** Erased example ids after a cursor (the next_cursor of an earlier page; absent = from the first erasure). */
export const FeedErasuresQuery = z.object({
  cursor: z
    .string()
    .regex(/^e\d{1,15}$/, "must be the next_cursor of an earlier page, unchanged")
    .transform((text) => Number(text.slice(1)))
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
