// Turns a logged conversation into the prompt of a training example: picks the
// messages the `system` option asks for, reduces them to the four shapes a
// trainer accepts, and refuses (with a reason) what no trainer would accept.
//
// Choices:
// - as_sent = upstream_messages (the tone preset's system prompt included:
//   the model answered that, so that is what it should be trained on);
//   client = client_messages; none = upstream_messages without any system or
//   developer message (the tone preset only touches the system prompt, so the
//   turns are the same as the client's). An empty upstream list (a row logged
//   before it was recorded) falls back to the client's.
// - developer → system; text parts are joined with "\n" as vLLM and the tone
//   module do. A non-text part (image, audio, file) makes the row unusable:
//   dropping it would train an answer about content the example lacks.
// - Blank messages are dropped, except an assistant turn that carries
//   tool_calls (its content key is then omitted, as OpenAI's examples do).
//   Blank tool results cannot be dropped (the call would go unanswered), so
//   they skip the row. `name` is dropped everywhere: it often names the end
//   user, and no target format needs it.
// - Leading system messages are merged into one; a system message later in
//   the chat skips the row (templates reject it and hoisting changes meaning).
// - Consecutive user turns (or plain assistant turns), e.g. left adjacent
//   after a blank turn was dropped, are merged with a blank line.
// - Assistant turns before the first user turn (a widget's greeting) are
//   dropped: templates that must start with user reject them, and a greeting
//   carries nothing the answer depends on.

import { checkRoleOrder, endsWithUserOrTool } from "./role-order";
import type { AssistantMsg, ExportInteraction, Msg, SkipReason, StoredMessage, SystemMode, ToolCall } from "./types";

export type NormalizeResult = { ok: true; messages: Msg[] } | { ok: false; reason: SkipReason };

type Source = Pick<ExportInteraction, "client_messages" | "upstream_messages">;

/** The prompt (everything before the logged answer) for the given system mode. */
export function normalizePrompt(source: Source, system: SystemMode): NormalizeResult {
  const upstream = Array.isArray(source.upstream_messages) ? source.upstream_messages : [];
  const client = Array.isArray(source.client_messages) ? source.client_messages : [];
  const raw = system === "client" || upstream.length === 0 ? client : upstream;

  const out: Msg[] = [];
  for (const message of raw) {
    const converted = convertMessage(message, system);
    if (converted === "drop") continue;
    if (typeof converted === "string") return { ok: false, reason: converted };
    push(out, converted);
  }
  while (out.length > 0 && out[0].role === "assistant" && !out[0].tool_calls) out.shift();

  const order = checkRoleOrder(out, { allowTrailingToolCalls: false });
  if (order) return { ok: false, reason: order.problem };
  if (!endsWithUserOrTool(out)) return { ok: false, reason: "prompt_not_ending_with_user" };
  return { ok: true, messages: out };
}

/** Text of string content or of text parts; undefined if it holds anything else. */
export function flattenContent(content: unknown): string | undefined {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const part of content) {
    if (part?.type !== "text" || typeof part.text !== "string") return undefined;
    texts.push(part.text);
  }
  return texts.join("\n");
}

/** Well-formed tool calls (only the fields trainers read), [] for none, undefined if malformed. */
export function normalizeToolCalls(raw: unknown): ToolCall[] | undefined {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) return undefined;
  const calls: ToolCall[] = [];
  for (const c of raw) {
    const fn = c?.function;
    if (typeof c?.id !== "string" || !c.id || typeof fn?.name !== "string" || !fn.name) return undefined;
    const args = typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    calls.push({ id: c.id, type: "function", function: { name: fn.name, arguments: args } });
  }
  return calls;
}

export function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

function convertMessage(m: StoredMessage, system: SystemMode): Msg | SkipReason | "drop" {
  if (m === null || typeof m !== "object") return "invalid_role_order";
  const content = flattenContent(m.content);
  if (content === undefined) return "unsupported_content";
  switch (m.role) {
    case "system":
    case "developer":
      if (system === "none" || isBlank(content)) return "drop";
      return { role: "system", content };
    case "user":
      return isBlank(content) ? "drop" : { role: "user", content };
    case "assistant": {
      const calls = normalizeToolCalls(m.tool_calls);
      if (calls === undefined) return "unsupported_content";
      return assistantMessage(content, calls) ?? "drop";
    }
    case "tool":
      if (typeof m.tool_call_id !== "string" || !m.tool_call_id) return "invalid_role_order";
      if (isBlank(content)) return "empty_tool_result";
      return { role: "tool", tool_call_id: m.tool_call_id, content };
    default:
      // The legacy "function" role and anything unknown: no target accepts it.
      return "invalid_role_order";
  }
}

/** An assistant turn from text and calls; null when it would be empty. */
export function assistantMessage(text: string | null | undefined, calls: readonly ToolCall[]): AssistantMsg | null {
  const hasText = typeof text === "string" && !isBlank(text);
  if (!hasText && calls.length === 0) return null;
  const msg: AssistantMsg = { role: "assistant" };
  if (hasText) msg.content = text;
  if (calls.length > 0) msg.tool_calls = [...calls];
  return msg;
}

/** Appends, merging a leading system run, user runs and plain assistant runs. */
function push(out: Msg[], m: Msg): void {
  const last = out[out.length - 1];
  const mergeable =
    last !== undefined &&
    last.role === m.role &&
    ((m.role === "system" && out.length === 1) ||
      m.role === "user" ||
      (m.role === "assistant" && !m.tool_calls && !(last as AssistantMsg).tool_calls));
  if (mergeable) {
    (last as { content: string }).content =
      `${(last as { content: string }).content}\n\n${(m as { content: string }).content}`;
  } else {
    out.push(m);
  }
}
