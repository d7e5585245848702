// OpenAI chat-completions wire types. The request schema validates what the
// gateway acts on and passes every other field through (looseObject), so
// provider-specific parameters (seed, response_format, top_k …) reach the
// upstream untouched.
import * as z from "zod";

/** The gateway's own bounds on `n` and `stop`, whatever the upstream; dialects may take less. */
export const MAX_CHOICES = 16;
export const MAX_STOP_STRINGS = 32;
/** `user`, and the x-switchyard-user header that stands in for it. */
export const MAX_USER_CHARS = 256;

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const ContentPart = z.looseObject({ type: z.string().min(1) });
const TextContent = z.union([z.string(), z.array(TextPart).min(1)]);

const ToolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const SystemMessage = z.looseObject({ role: z.literal("system"), content: TextContent, name: z.string().optional() });
const DeveloperMessage = z.looseObject({
  role: z.literal("developer"),
  content: TextContent,
  name: z.string().optional(),
});
const UserMessage = z.looseObject({
  role: z.literal("user"),
  content: z.union([z.string(), z.array(ContentPart).min(1)]),
  name: z.string().optional(),
});
const AssistantMessage = z
  .looseObject({
    role: z.literal("assistant"),
    content: TextContent.nullable().optional(),
    tool_calls: z.array(ToolCall).optional(),
    refusal: z.string().nullable().optional(),
    name: z.string().optional(),
  })
  .refine(
    (m) =>
      (m.content !== undefined && m.content !== null) ||
      (m.tool_calls?.length ?? 0) > 0 ||
      (m.refusal !== undefined && m.refusal !== null),
    { message: "An assistant message needs content, tool_calls or refusal.", path: ["content"] },
  );
const ToolMessage = z.looseObject({ role: z.literal("tool"), content: TextContent, tool_call_id: z.string().min(1) });
// OpenAI's deprecated function-calling result; vLLM passes it to the chat template.
const FunctionMessage = z.looseObject({
  role: z.literal("function"),
  name: z.string().min(1),
  content: z.string().nullable(),
});
// Llama 3.1's tool-output role, which vLLM's chat templates take.
const IpythonMessage = z.looseObject({ role: z.literal("ipython"), content: TextContent });

export const ChatMessageSchema = z.discriminatedUnion("role", [
  SystemMessage,
  DeveloperMessage,
  UserMessage,
  AssistantMessage,
  ToolMessage,
  FunctionMessage,
  IpythonMessage,
]);
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

const FunctionTool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().min(1).max(64), description: z.string().optional() }),
});
const CustomTool = z.looseObject({
  type: z.literal("custom"),
  custom: z.looseObject({ name: z.string().min(1).max(64), description: z.string().optional() }),
});
const Tool = z.discriminatedUnion("type", [FunctionTool, CustomTool]);

export const ChatCompletionRequestSchema = z
  .looseObject({
    model: z.string().min(1).max(256).meta({ example: "support" }),
    messages: z.array(ChatMessageSchema).min(1).max(2048),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    max_tokens: z.number().int().min(1).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(MAX_STOP_STRINGS, `stop takes at most ${MAX_STOP_STRINGS} strings`)])
      .nullable()
      .optional(),
    n: z.number().int().min(1).max(MAX_CHOICES, `n takes at most ${MAX_CHOICES} choices`).nullable().optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
    user: z.string().max(MAX_USER_CHARS).optional(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
    tools: z.array(Tool).max(128).optional(),
    tool_choice: z
      .union([
        z.enum(["none", "auto", "required"]),
        z.looseObject({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
        z.looseObject({ type: z.literal("custom"), custom: z.object({ name: z.string() }) }),
        z.looseObject({
          type: z.literal("allowed_tools"),
          allowed_tools: z.looseObject({ mode: z.enum(["auto", "required"]), tools: z.array(z.looseObject({})) }),
        }),
      ])
      .optional(),
  })
  .superRefine((req, ctx) => {
    if (req.stream_options && !req.stream) {
      ctx.addIssue({
        code: "custom",
        path: ["stream_options"],
        message: "stream_options is only allowed when stream is true.",
      });
    }
    if (req.metadata && Object.keys(req.metadata).length > 16) {
      ctx.addIssue({ code: "custom", path: ["metadata"], message: "metadata takes at most 16 keys." });
    }
  })
  .meta({ id: "ChatCompletionRequest" });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

const Usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});
export type Usage = z.infer<typeof Usage>;

export const ChatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal("assistant"),
          content: z.string().nullable(),
          tool_calls: z.array(ToolCall).optional(),
        }),
        finish_reason: z.string().nullable(),
      }),
    ),
    usage: Usage.optional(),
  })
  .meta({ id: "ChatCompletion" });
export type ChatCompletion = z.infer<typeof ChatCompletionSchema>;

export const ChatCompletionChunkSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion.chunk"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        delta: z.looseObject({ role: z.string().optional(), content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable(),
      }),
    ),
    usage: Usage.nullable().optional(),
  })
  .meta({ id: "ChatCompletionChunk" });
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunkSchema>;

export const ErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .meta({ id: "Error" });
