// The validator catches what a trainer would reject, so that the golden and
// builder tests can trust it on every emitted line.
import { describe, expect, it } from "vitest";
import type { ExportFormat } from "../../../src/schemas/export-formats";
import { validateExample } from "../../../src/export/validate-example";

const user = (content = "Q") => ({ role: "user", content });
const asst = (content = "A") => ({ role: "assistant", content });
const sys = (content = "S") => ({ role: "system", content });
const call = { id: "c1", type: "function", function: { name: "f", arguments: "{}" } };
const tools = [{ type: "function", function: { name: "f" } }];

describe("validateExample accepts", () => {
  const ok: Array<[string, ExportFormat, unknown]> = [
    ["sft", "openai-sft", { messages: [sys(), user(), asst()] }],
    ["sft multi-turn with weights", "openai-sft", { messages: [user(), { ...asst(), weight: 0 }, user(), asst()] }],
    [
      "sft ending in a tool call",
      "openai-sft",
      { messages: [user(), { role: "assistant", tool_calls: [call] }], tools },
    ],
    [
      "sft through a tool result",
      "trl-sft",
      {
        messages: [
          user(),
          { role: "assistant", tool_calls: [call] },
          { role: "tool", tool_call_id: "c1", content: "1" },
          asst(),
        ],
        tools,
      },
    ],
    [
      "openai dpo",
      "openai-dpo",
      { input: { messages: [user()] }, preferred_output: [asst("good")], non_preferred_output: [asst("bad")] },
    ],
    ["trl dpo", "trl-dpo", { prompt: [sys(), user()], chosen: [asst("good")], rejected: [asst("bad")] }],
    [
      "kto prompt ending with a tool result",
      "trl-kto",
      {
        prompt: [user(), { role: "assistant", tool_calls: [call] }, { role: "tool", tool_call_id: "c1", content: "1" }],
        completion: [asst()],
        label: false,
      },
    ],
  ];
  it.each(ok)("%s", (_name, format, example) => {
    expect(validateExample(format, example)).toEqual([]);
  });
});

describe("validateExample rejects", () => {
  const bad: Array<[string, ExportFormat, unknown, string]> = [
    ["not an object", "trl-sft", [], "not an object"],
    ["extra key", "trl-sft", { messages: [user(), asst()], id: 1 }, "id: unexpected key"],
    ["missing key", "trl-dpo", { prompt: [user()], chosen: [asst()] }, "rejected: missing"],
    ["sft not ending with assistant", "trl-sft", { messages: [user()] }, "last message must be the assistant's"],
    ["sft starting with assistant", "trl-sft", { messages: [asst(), user(), asst()] }, "invalid_role_order"],
    ["two users in a row", "trl-sft", { messages: [user(), user(), asst()] }, "invalid_role_order"],
    ["system not first", "trl-sft", { messages: [user(), asst(), sys(), user(), asst()] }, "system_not_first"],
    ["no user", "trl-sft", { messages: [sys(), asst()] }, "no_user_turn"],
    ["empty content", "trl-sft", { messages: [user(" "), asst()] }, "content: empty"],
    [
      "null assistant content without tool calls",
      "trl-sft",
      { messages: [user(), { role: "assistant", content: null }] },
      "content: empty",
    ],
    [
      "unknown role",
      "trl-sft",
      { messages: [{ role: "developer", content: "x" }, user(), asst()] },
      "role system|user|assistant|tool",
    ],
    ["stray message key", "trl-sft", { messages: [{ ...user(), name: "jane" }, asst()] }, "name: unexpected key"],
    [
      "weight outside openai-sft",
      "trl-sft",
      { messages: [user(), { ...asst(), weight: 0 }, user(), asst()] },
      "weight",
    ],
    ["last turn weight 0", "openai-sft", { messages: [user(), { ...asst(), weight: 0 }] }, "nothing to train on"],
    [
      "tool without a call",
      "trl-sft",
      { messages: [user(), { role: "tool", tool_call_id: "c1", content: "1" }, asst()] },
      "invalid_role_order",
    ],
    [
      "unanswered tool call",
      "trl-sft",
      { messages: [user(), { role: "assistant", tool_calls: [call] }, user(), asst()] },
      "unanswered_tool_call",
    ],
    [
      "malformed tool call",
      "trl-sft",
      { messages: [user(), { role: "assistant", tool_calls: [{ id: "c1" }] }] },
      "needs id",
    ],
    ["empty tools", "openai-sft", { messages: [user(), asst()], tools: [] }, "tools: must be"],
    [
      "prompt ending with assistant",
      "trl-dpo",
      { prompt: [user(), asst()], chosen: [asst("g")], rejected: [asst("b")] },
      "must end with a user or tool",
    ],
    [
      "two chosen messages",
      "trl-dpo",
      { prompt: [user()], chosen: [asst("g"), asst("h")], rejected: [asst("b")] },
      "exactly one",
    ],
    [
      "tool-call output",
      "openai-dpo",
      {
        input: { messages: [user()] },
        preferred_output: [{ role: "assistant", tool_calls: [call] }],
        non_preferred_output: [asst("b")],
      },
      "tool_calls: unexpected key",
    ],
    [
      "identical answers",
      "trl-dpo",
      { prompt: [user()], chosen: [asst("same")], rejected: [asst("same ")] },
      "identical",
    ],
    ["user as completion", "trl-kto", { prompt: [user()], completion: [user()], label: true }, "must be an assistant"],
    ["label not boolean", "trl-kto", { prompt: [user()], completion: [asst()], label: 1 }, "label"],
    [
      "dpo input not an object",
      "openai-dpo",
      { input: [], preferred_output: [asst("g")], non_preferred_output: [asst("b")] },
      "input: not an object",
    ],
  ];
  it.each(bad)("%s", (_name, format, example, problem) => {
    const problems = validateExample(format, example);
    expect(problems.join("; ")).toContain(problem);
  });
});
