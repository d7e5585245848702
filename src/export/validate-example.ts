// Checks one emitted example against the rules of its trainer, independently
// of how it was built: exact keys per format, message shapes, non-empty
// content, role order (role-order.ts) and how the conversation must end.
// Used by the tests on every line, and usable by a CLI on any JSONL file.
//
// Sources: OpenAI fine-tuning (chat SFT with optional tools and per-turn
// weight 0|1; DPO input/preferred_output/non_preferred_output, text outputs),
// TRL dataset formats (conversational language modeling, preference and
// unpaired preference). Stricter than each trainer where templates are:
// system only first, user/assistant alternating starting with user.

import { checkRoleOrder, endsWithUserOrTool, type OrderedMessage } from "./role-order";
import type { ExportFormat } from "../schemas/export-formats";

type Obj = Record<string, unknown>;

/** Problems found; empty means valid. */
export function validateExample(format: ExportFormat, example: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(example)) return ["example is not an object"];
  switch (format) {
    case "openai-sft":
    case "trl-sft": {
      exactKeys(example, ["messages"], ["tools"], "", problems);
      const msgs = messages(example.messages, "messages", format === "openai-sft", problems);
      if (msgs) conversation(msgs, "sft", "messages", problems);
      tools(example, "", problems);
      if (msgs && format === "openai-sft" && (msgs[msgs.length - 1] as unknown as Obj)?.weight === 0) {
        problems.push("messages: the last assistant turn has weight 0, nothing to train on");
      }
      break;
    }
    case "openai-dpo": {
      exactKeys(example, ["input", "preferred_output", "non_preferred_output"], [], "", problems);
      const input = example.input;
      if (!isObj(input)) {
        problems.push("input: not an object");
        break;
      }
      exactKeys(input, ["messages"], ["tools"], "input.", problems);
      const msgs = messages(input.messages, "input.messages", false, problems);
      if (msgs) conversation(msgs, "prompt", "input.messages", problems);
      tools(input, "input.", problems);
      preference(
        example.preferred_output,
        example.non_preferred_output,
        "preferred_output",
        "non_preferred_output",
        problems,
      );
      break;
    }
    case "trl-dpo": {
      exactKeys(example, ["prompt", "chosen", "rejected"], [], "", problems);
      const msgs = messages(example.prompt, "prompt", false, problems);
      if (msgs) conversation(msgs, "prompt", "prompt", problems);
      preference(example.chosen, example.rejected, "chosen", "rejected", problems);
      break;
    }
    case "trl-kto": {
      exactKeys(example, ["prompt", "completion", "label"], [], "", problems);
      const msgs = messages(example.prompt, "prompt", false, problems);
      if (msgs) conversation(msgs, "prompt", "prompt", problems);
      textAnswer(example.completion, "completion", problems);
      if (typeof example.label !== "boolean") problems.push("label: must be true or false");
      break;
    }
    default:
      problems.push(`unknown format ${String(format)}`);
  }
  return problems;
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonBlank(v: unknown): v is string {
  return typeof v === "string" && v.trim().length > 0;
}

function exactKeys(o: Obj, required: string[], optional: string[], at: string, problems: string[]): void {
  for (const k of required) if (!(k in o)) problems.push(`${at}${k}: missing`);
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) problems.push(`${at}${k}: unexpected key`);
  }
}

const ROLE_KEYS: Record<string, { required: string[]; optional: string[] }> = {
  system: { required: ["role", "content"], optional: [] },
  user: { required: ["role", "content"], optional: [] },
  assistant: { required: ["role"], optional: ["content", "tool_calls", "weight"] },
  tool: { required: ["role", "tool_call_id", "content"], optional: [] },
};

/** Checks each message's shape; returns them for the order check, or null if not an array. */
function messages(v: unknown, at: string, allowWeight: boolean, problems: string[]): OrderedMessage[] | null {
  if (!Array.isArray(v) || v.length === 0) {
    problems.push(`${at}: must be a non-empty array`);
    return null;
  }
  v.forEach((m, i) => {
    const here = `${at}[${i}]`;
    if (!isObj(m) || typeof m.role !== "string" || !ROLE_KEYS[m.role]) {
      problems.push(`${here}: not a message with role system|user|assistant|tool`);
      return;
    }
    const keys = ROLE_KEYS[m.role];
    exactKeys(m, keys.required, keys.optional, `${here}.`, problems);
    const calls = m.tool_calls;
    if (m.role === "assistant") {
      if (calls !== undefined) toolCalls(calls, `${here}.tool_calls`, problems);
      if (calls === undefined && !nonBlank(m.content)) problems.push(`${here}.content: empty`);
      if (calls !== undefined && m.content !== undefined && !nonBlank(m.content)) {
        problems.push(`${here}.content: empty (omit it when tool_calls carry the turn)`);
      }
      if (m.weight !== undefined && (!allowWeight || (m.weight !== 0 && m.weight !== 1))) {
        problems.push(`${here}.weight: only 0 or 1, and only in openai-sft`);
      }
    } else if (!nonBlank(m.content)) {
      problems.push(`${here}.content: empty`);
    }
    if (m.role === "tool" && !nonBlank(m.tool_call_id)) problems.push(`${here}.tool_call_id: empty`);
  });
  return v.filter(isObj) as unknown as OrderedMessage[];
}

function toolCalls(v: unknown, at: string, problems: string[]): void {
  if (!Array.isArray(v) || v.length === 0) {
    problems.push(`${at}: must be a non-empty array`);
    return;
  }
  v.forEach((c, i) => {
    const fn = isObj(c) ? c.function : undefined;
    if (
      !isObj(c) ||
      !nonBlank(c.id) ||
      c.type !== "function" ||
      !isObj(fn) ||
      !nonBlank(fn.name) ||
      typeof fn.arguments !== "string"
    ) {
      problems.push(`${at}[${i}]: needs id, type "function", function {name, arguments: string}`);
    }
  });
}

function conversation(msgs: OrderedMessage[], kind: "sft" | "prompt", at: string, problems: string[]): void {
  const order = checkRoleOrder(msgs, { allowTrailingToolCalls: kind === "sft" });
  if (order) problems.push(`${at}[${order.index}]: ${order.problem}`);
  const last = msgs[msgs.length - 1];
  if (kind === "sft" && last?.role !== "assistant") problems.push(`${at}: the last message must be the assistant's`);
  if (kind === "prompt" && !endsWithUserOrTool(msgs))
    problems.push(`${at}: the prompt must end with a user or tool turn`);
}

function tools(o: Obj, at: string, problems: string[]): void {
  if (o.tools === undefined) return;
  if (!Array.isArray(o.tools) || o.tools.length === 0 || !o.tools.every(isObj)) {
    problems.push(`${at}tools: must be a non-empty array of tool definitions`);
  }
}

/** A one-turn, text-only assistant answer. */
function textAnswer(v: unknown, at: string, problems: string[]): string | null {
  if (!Array.isArray(v) || v.length !== 1) {
    problems.push(`${at}: must hold exactly one assistant message`);
    return null;
  }
  const m = v[0];
  if (!isObj(m) || m.role !== "assistant") {
    problems.push(`${at}[0]: must be an assistant message`);
    return null;
  }
  exactKeys(m, ["role", "content"], [], `${at}[0].`, problems);
  if (!nonBlank(m.content)) {
    problems.push(`${at}[0].content: empty`);
    return null;
  }
  return m.content;
}

function preference(good: unknown, bad: unknown, goodAt: string, badAt: string, problems: string[]): void {
  const a = textAnswer(good, goodAt, problems);
  const b = textAnswer(bad, badAt, problems);
  if (a !== null && b !== null && a.trim() === b.trim()) problems.push(`${goodAt}/${badAt}: identical answers`);
}
