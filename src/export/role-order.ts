// The role-order rule every emitted conversation obeys, shared by the
// normalizer (which skips a row that breaks it) and the validator (which
// checks what was emitted), so the two cannot drift apart.
//
// The rule is the strictest common denominator of the targets: OpenAI's
// fine-tuning validator, and chat templates such as Mistral's, which raise
// unless turns alternate user/assistant starting with user, and which allow a
// system message only first (REFERENCE.md, Training data formats):
//   [system] user assistant user assistant …
// An assistant turn with tool_calls is followed by one tool message per call
// (ids matching, any order), then by an assistant turn.

import type { SkipReason } from "./types";

export interface OrderedMessage {
  role: string;
  tool_calls?: ReadonlyArray<{ id: string }>;
  tool_call_id?: string;
}

export type RoleOrderProblem = Extract<
  SkipReason,
  "system_not_first" | "no_user_turn" | "invalid_role_order" | "unanswered_tool_call"
>;

export interface RoleOrderOptions {
  /** True for a full SFT conversation whose last turn may be an assistant's tool call. */
  allowTrailingToolCalls: boolean;
}

/** The first rule a conversation breaks, with the index of the offending message; null if none. */
export function checkRoleOrder(
  messages: readonly OrderedMessage[],
  options: RoleOrderOptions,
): { problem: RoleOrderProblem; index: number } | null {
  if (!messages.some((m) => m.role === "user")) return { problem: "no_user_turn", index: 0 };

  let prev: "start" | "user" | "assistant" | "tool" = "start";
  let pending = new Set<string>();
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === "system") {
      if (i !== 0) return { problem: "system_not_first", index: i };
      continue;
    }
    if (pending.size > 0 && m.role !== "tool") return { problem: "unanswered_tool_call", index: i };
    switch (m.role) {
      case "user":
        if (prev !== "start" && prev !== "assistant") return { problem: "invalid_role_order", index: i };
        break;
      case "assistant": {
        if (prev !== "user" && prev !== "tool") return { problem: "invalid_role_order", index: i };
        const ids = (m.tool_calls ?? []).map((c) => c.id);
        pending = new Set(ids);
        if (pending.size !== ids.length) return { problem: "invalid_role_order", index: i };
        break;
      }
      case "tool":
        if (m.tool_call_id === undefined || !pending.delete(m.tool_call_id)) {
          return { problem: "invalid_role_order", index: i };
        }
        break;
      default:
        return { problem: "invalid_role_order", index: i };
    }
    prev = m.role;
  }
  const last = messages[messages.length - 1];
  if (pending.size > 0 && !(options.allowTrailingToolCalls && last.role === "assistant")) {
    return { problem: "unanswered_tool_call", index: messages.length - 1 };
  }
  return null;
}

/** A prompt must hand the turn to the model: it ends with a user turn or a tool result. */
export function endsWithUserOrTool(messages: readonly OrderedMessage[]): boolean {
  const last = messages[messages.length - 1];
  return last !== undefined && (last.role === "user" || last.role === "tool");
}
