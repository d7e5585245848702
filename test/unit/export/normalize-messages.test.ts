// Prompt normalization: which messages each `system` mode keeps, how stored
// messages are reduced to trainer shapes, and which rows are refused.
import { describe, expect, it } from "vitest";
import { flattenContent, normalizePrompt, normalizeToolCalls } from "../../../src/export/normalize-messages";
import type { StoredMessage } from "../../../src/export/types";

const call = (id: string) => ({ id, type: "function", function: { name: "lookup", arguments: "{}" } });
const tone = "Be warm.";

describe("normalizePrompt: system modes", () => {
  const client: StoredMessage[] = [
    { role: "system", content: "Answer in English." },
    { role: "user", content: "Hi" },
  ];
  const upstream: StoredMessage[] = [
    { role: "system", content: `${tone}\n\nAnswer in English.` },
    { role: "user", content: "Hi" },
  ];
  it.each([
    [
      "as_sent",
      [
        { role: "system", content: `${tone}\n\nAnswer in English.` },
        { role: "user", content: "Hi" },
      ],
    ],
    [
      "client",
      [
        { role: "system", content: "Answer in English." },
        { role: "user", content: "Hi" },
      ],
    ],
    ["none", [{ role: "user", content: "Hi" }]],
  ] as const)("%s", (mode, want) => {
    expect(normalizePrompt({ client_messages: client, upstream_messages: upstream }, mode)).toEqual({
      ok: true,
      messages: want,
    });
  });

  it("as_sent falls back to the client's messages when nothing upstream was logged", () => {
    expect(normalizePrompt({ client_messages: client, upstream_messages: [] }, "as_sent")).toEqual({
      ok: true,
      messages: [
        { role: "system", content: "Answer in English." },
        { role: "user", content: "Hi" },
      ],
    });
  });
});

describe("normalizePrompt: shapes", () => {
  const cases: Array<[string, StoredMessage[], unknown]> = [
    [
      "developer becomes system",
      [
        { role: "developer", content: "Be brief." },
        { role: "user", content: "Q" },
      ],
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Q" },
      ],
    ],
    [
      "text parts are joined with a newline",
      [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
      ],
      [{ role: "user", content: "a\nb" }],
    ],
    [
      "leading system messages are merged",
      [
        { role: "system", content: "One." },
        { role: "developer", content: "Two." },
        { role: "user", content: "Q" },
      ],
      [
        { role: "system", content: "One.\n\nTwo." },
        { role: "user", content: "Q" },
      ],
    ],
    [
      "blank messages are dropped and the users around them merged",
      [
        { role: "system", content: "  " },
        { role: "user", content: "a" },
        { role: "assistant", content: "" },
        { role: "user", content: "b" },
        { role: "user", content: null },
      ],
      [{ role: "user", content: "a\n\nb" }],
    ],
    [
      "consecutive plain assistant turns are merged",
      [
        { role: "user", content: "a" },
        { role: "assistant", content: "x" },
        { role: "assistant", content: "y" },
        { role: "user", content: "b" },
      ],
      [
        { role: "user", content: "a" },
        { role: "assistant", content: "x\n\ny" },
        { role: "user", content: "b" },
      ],
    ],
    [
      "a greeting before the first user turn is dropped",
      [
        { role: "assistant", content: "Hi! How can I help?" },
        { role: "user", content: "Q" },
      ],
      [{ role: "user", content: "Q" }],
    ],
    [
      "tool calls keep only the fields trainers read; blank content is omitted; name is dropped",
      [
        { role: "user", content: "Q", name: "jane" },
        { role: "assistant", content: "", tool_calls: [{ ...call("c1"), index: 0 }] },
        { role: "tool", tool_call_id: "c1", content: "42", name: "lookup" },
      ],
      [
        { role: "user", content: "Q" },
        { role: "assistant", tool_calls: [call("c1")] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
    ],
    [
      "an assistant turn with text and tool calls keeps both",
      [
        { role: "user", content: "Q" },
        { role: "assistant", content: "Looking.", tool_calls: [call("c1")] },
        { role: "tool", tool_call_id: "c1", content: "ok" },
      ],
      [
        { role: "user", content: "Q" },
        { role: "assistant", content: "Looking.", tool_calls: [call("c1")] },
        { role: "tool", tool_call_id: "c1", content: "ok" },
      ],
    ],
  ];
  it.each(cases)("%s", (_name, messages, want) => {
    expect(normalizePrompt({ client_messages: messages, upstream_messages: messages }, "as_sent")).toEqual({
      ok: true,
      messages: want,
    });
  });
});

describe("normalizePrompt: refusals", () => {
  const cases: Array<[string, StoredMessage[]]> = [
    ["no_user_turn", [{ role: "system", content: "S" }]],
    ["no_user_turn", []],
    [
      "system_not_first",
      [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
        { role: "system", content: "S" },
        { role: "user", content: "c" },
      ],
    ],
    [
      "prompt_not_ending_with_user",
      [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
      ],
    ],
    [
      "unsupported_content",
      [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }],
    ],
    [
      "unsupported_content",
      [
        { role: "assistant", tool_calls: [{ id: "", function: {} }] },
        { role: "user", content: "a" },
      ],
    ],
    [
      "empty_tool_result",
      [
        { role: "user", content: "a" },
        { role: "assistant", tool_calls: [call("c1")] },
        { role: "tool", tool_call_id: "c1", content: "" },
      ],
    ],
    [
      "unanswered_tool_call",
      [
        { role: "user", content: "a" },
        { role: "assistant", tool_calls: [call("c1"), call("c2")] },
        { role: "tool", tool_call_id: "c1", content: "x" },
        { role: "user", content: "b" },
      ],
    ],
    [
      "unanswered_tool_call",
      [
        { role: "user", content: "a" },
        { role: "assistant", tool_calls: [call("c1")] },
      ],
    ],
    [
      "invalid_role_order",
      [
        { role: "user", content: "a" },
        { role: "tool", tool_call_id: "c9", content: "x" },
      ],
    ],
    [
      "invalid_role_order",
      [
        { role: "function", content: "x" },
        { role: "user", content: "a" },
      ],
    ],
    [
      "invalid_role_order",
      [
        { role: "assistant", tool_calls: [call("c1")] },
        { role: "tool", tool_call_id: "c1", content: "x" },
        { role: "user", content: "a" },
      ],
    ],
  ];
  it.each(cases)("%s", (reason, messages) => {
    expect(normalizePrompt({ client_messages: messages, upstream_messages: messages }, "as_sent")).toEqual({
      ok: false,
      reason,
    });
  });
});

describe("helpers", () => {
  it("flattenContent", () => {
    expect(flattenContent("a")).toBe("a");
    expect(flattenContent(null)).toBe("");
    expect(flattenContent([{ type: "text", text: "a" }])).toBe("a");
    expect(flattenContent([{ type: "input_audio" }])).toBeUndefined();
    expect(flattenContent(42)).toBeUndefined();
  });
  it("normalizeToolCalls", () => {
    expect(normalizeToolCalls(null)).toEqual([]);
    expect(normalizeToolCalls([{ id: "a", function: { name: "f", arguments: { x: 1 } } }])).toEqual([
      { id: "a", type: "function", function: { name: "f", arguments: '{"x":1}' } },
    ]);
    expect(normalizeToolCalls([{ id: "a", function: { arguments: "{}" } }])).toBeUndefined();
    expect(normalizeToolCalls("nope")).toBeUndefined();
  });
});
