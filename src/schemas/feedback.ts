// Wire types of POST /v1/feedback. The body is strict: an unknown field is a
// 400 naming it, because a misspelled `corection` silently dropped would lose
// exactly the training signal the caller meant to send. Size limits are in
// UTF-8 bytes (what D1 stores and what the 2 MB row limit counts), not in
// UTF-16 code units.
import * as z from "zod";
import { REQUEST_ID_PATTERN } from "./request-id";
import { MAX_CHOICES } from "./chat";
import { SlugSchema } from "./manifest";

/** A feedback tag; export filters take the same form, so every stored tag can be filtered on. */
export const TagSchema = SlugSchema;

export const FEEDBACK_LIMITS = {
  commentBytes: 4096,
  correctionBytes: 32 * 1024,
  tags: 16,
  userChars: 256,
} as const;

const encoder = new TextEncoder();
const maxBytes = (limit: number) => (s: string) => encoder.encode(s).byteLength <= limit;

export const FeedbackRequestSchema = z
  .strictObject({
    request_id: z
      .string()
      .regex(REQUEST_ID_PATTERN, "must be the id of a chat completion (its `id`, or the response's x-request-id)")
      .meta({ example: "chatcmpl-3f1c0d7e9b2a4c55a1e8f0b6d4c2a9e1" }),
    choice: z
      .number()
      .int()
      .min(0)
      .max(MAX_CHOICES - 1)
      .optional()
      .describe("which choice of an n > 1 completion is rated (its `index`); default 0"),
    rating: z.literal([1, -1]).describe("1 = thumbs up, -1 = thumbs down"),
    score: z.number().min(0).max(1).nullable().optional().describe("optional finer grade, 0..1"),
    comment: z
      .string()
      .refine(maxBytes(FEEDBACK_LIMITS.commentBytes), `must be at most ${FEEDBACK_LIMITS.commentBytes} bytes (UTF-8)`)
      .nullable()
      .optional()
      .describe(`free text, at most ${FEEDBACK_LIMITS.commentBytes} bytes (UTF-8)`),
    correction: z
      .string()
      .refine(
        maxBytes(FEEDBACK_LIMITS.correctionBytes),
        `must be at most ${FEEDBACK_LIMITS.correctionBytes} bytes (UTF-8)`,
      )
      .nullable()
      .optional()
      .describe(`the answer the user wanted instead, at most ${FEEDBACK_LIMITS.correctionBytes} bytes (UTF-8)`),
    tags: z
      .array(TagSchema)
      .max(FEEDBACK_LIMITS.tags)
      .nullable()
      .optional()
      .describe(`up to ${FEEDBACK_LIMITS.tags} lowercase slugs`),
    user: z
      .string()
      .min(1)
      .max(FEEDBACK_LIMITS.userChars)
      .optional()
      .describe("who is rating; one entry per (request_id, user, choice). Needs an API key."),
  })
  .meta({ id: "FeedbackRequest" });
export type FeedbackRequest = z.infer<typeof FeedbackRequestSchema>;

export const FeedbackSchema = z
  .object({
    object: z.literal("feedback"),
    request_id: z.string(),
    choice: z.number().int(),
    user: z.string().nullable(),
    rating: z.literal([1, -1]),
    score: z.number().nullable(),
    comment: z.string().nullable(),
    correction: z.string().nullable(),
    tags: z.array(z.string()),
    source: z.enum(["api_key", "token"]),
    created_at: z.number().int().describe("epoch milliseconds of the first post"),
    updated_at: z.number().int().describe("epoch milliseconds of the latest post"),
  })
  .meta({ id: "Feedback" });
export type Feedback = z.infer<typeof FeedbackSchema>;

export const FeedbackResultSchema = FeedbackSchema.extend({
  interaction_found: z
    .boolean()
    .describe("whether the caller's tenant already has this interaction logged; false until the log queue delivers it"),
}).meta({ id: "FeedbackResult" });
export type FeedbackResult = z.infer<typeof FeedbackResultSchema>;
