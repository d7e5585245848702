// Wire types of GET /v1/interactions and /v1/interactions/{id}. Query values
// arrive as strings, so each filter parses its own text here and a bad one is
// a 400 naming the parameter. Unknown query parameters are ignored, as HTTP
// caches and proxies add their own. Times are epoch milliseconds on the wire,
// as in the database; `since`/`until` also take ISO 8601.
import * as z from "zod";
import { FeedbackSchema } from "./feedback";
import { TimeParam } from "./query-params";

export const INTERACTIONS_PAGE = { default: 20, max: 100 } as const;

const Filter = z.string().min(1).max(256);

export const InteractionStatusSchema = z.enum(["ok", "upstream_error", "client_aborted", "timeout"]);

export const ListInteractionsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(INTERACTIONS_PAGE.max).default(INTERACTIONS_PAGE.default),
    cursor: z.string().min(1).max(1024).optional().describe("next_cursor of the previous page; opaque"),
    task: Filter.optional(),
    adapter: Filter.optional(),
    version: Filter.optional().describe("adapter version"),
    audience: Filter.optional(),
    user: Filter.optional().describe("the end user the chat request named (user or x-switchyard-user)"),
    client_request_id: z.string().min(1).max(512).optional().describe("the caller's own x-client-request-id"),
    status: InteractionStatusSchema.optional(),
    rating: z
      .enum(["1", "-1"])
      .transform(Number)
      .optional()
      .describe("only interactions with at least one feedback of this rating"),
    since: TimeParam.optional().describe("created_at >= since (epoch ms or ISO 8601)"),
    until: TimeParam.optional().describe("created_at < until (epoch ms or ISO 8601)"),
  })
  .superRefine((q, ctx) => {
    if (q.since !== undefined && q.until !== undefined && q.until <= q.since) {
      ctx.addIssue({ code: "custom", path: ["until"], message: "must be later than since" });
    }
  });
export type ListInteractionsQuery = z.infer<typeof ListInteractionsQuerySchema>;

export const InteractionIdParamSchema = z.object({
  id: z.string().min(1).max(256).meta({ example: "chatcmpl-3f1c0d7e9b2a4c55a1e8f0b6d4c2a9e1" }),
});

const UsageSchema = z.object({
  prompt_tokens: z.number().int().nullable(),
  completion_tokens: z.number().int().nullable(),
  total_tokens: z.number().int().nullable(),
  estimated: z.boolean().describe("true when the upstream reported no usage and the gateway estimated it"),
});

export const InteractionSummarySchema = z
  .object({
    id: z.string().describe("the request id (= the chat completion's id)"),
    client_request_id: z.string().nullable().describe("the caller's own id for the request (x-client-request-id)"),
    upstream_id: z
      .string()
      .nullable()
      .describe("the upstream's own completion id (what a native-mode stream's chunks carry as `id`)"),
    object: z.literal("interaction"),
    created_at: z.number().int().describe("epoch milliseconds"),
    task: z.string(),
    adapter: z.string().nullable(),
    adapter_version: z.string().nullable(),
    route: z.string().nullable(),
    tone: z.string().nullable(),
    audience: z.string().nullable(),
    user: z.string().nullable(),
    status: InteractionStatusSchema,
    error: z.string().nullable(),
    http_status: z.number().int().nullable(),
    stream: z.boolean(),
    finish_reason: z.string().nullable(),
    usage: UsageSchema,
    latency_ms: z.number().int(),
    ttft_ms: z.number().int().nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    feedback_summary: z.object({ up: z.number().int(), down: z.number().int() }),
  })
  .meta({ id: "InteractionSummary" });
export type InteractionSummary = z.infer<typeof InteractionSummarySchema>;

export const InteractionSchema = InteractionSummarySchema.extend({
  client_messages: z.array(z.unknown()).describe("the messages as the client sent them"),
  upstream_messages: z.array(z.unknown()).describe("the messages as the model saw them (tone preset applied)"),
  params: z.record(z.string(), z.unknown()),
  tools: z.array(z.unknown()).nullable(),
  response_text: z.string().nullable(),
  response_choices: z
    .array(z.unknown())
    .nullable()
    .describe("every choice ({index, text, tool_calls, finish_reason}) of an n > 1 request; null otherwise"),
  response_tool_calls: z.array(z.unknown()).nullable(),
  attempts: z.array(z.unknown()).nullable(),
  feedback: z.array(FeedbackSchema),
}).meta({ id: "Interaction" });
export type Interaction = z.infer<typeof InteractionSchema>;

export const InteractionListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(InteractionSummarySchema),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: "InteractionList" });
export type InteractionList = z.infer<typeof InteractionListSchema>;
