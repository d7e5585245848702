// applyPreset: placement with and without a client system message, defaults
// vs client values, clamping at both ends, stop merge, purity, null preset.
import { describe, expect, it } from "vitest";
import { TonePresetSchema, type TonePresetInput } from "../../../src/schemas/tone-preset";
import { applyPreset, type ChatMessage as ToneMessage, type ToneRequest } from "../../../src/tone/apply-preset";

// Messages carry arbitrary extra fields (name, tool_calls …) that must survive.
type ChatMessage = ToneMessage & Record<string, unknown>;

const preset = (over: Partial<TonePresetInput> = {}) =>
  TonePresetSchema.parse({ name: "calm", version: "2", audience: "students", system_prompt: "PRESET", ...over });

const user: ChatMessage = { role: "user", content: "hi" };
const assistant: ChatMessage = { role: "assistant", content: "hello" };

describe("applyPreset: placement", () => {
  const cases: {
    name: string;
    placement: "prepend" | "append" | "replace";
    input: ChatMessage[];
    want: ChatMessage[];
  }[] = [
    // prepend
    {
      name: "prepend, no client system",
      placement: "prepend",
      input: [user],
      want: [{ role: "system", content: "PRESET" }, user],
    },
    {
      name: "prepend, client system",
      placement: "prepend",
      input: [{ role: "system", content: "CLIENT" }, user],
      want: [{ role: "system", content: "PRESET\n\nCLIENT" }, user],
    },
    {
      name: "prepend, client developer becomes system",
      placement: "prepend",
      input: [{ role: "developer", content: "DEV" }, user],
      want: [{ role: "system", content: "PRESET\n\nDEV" }, user],
    },
    {
      name: "prepend, content-part array joined, other fields kept",
      placement: "prepend",
      input: [
        {
          role: "system",
          name: "acme",
          content: [
            { type: "text", text: "A" },
            { type: "text", text: "B" },
          ],
        },
        user,
      ],
      want: [{ role: "system", name: "acme", content: "PRESET\n\nA\nB" }, user],
    },
    {
      name: "prepend, empty client system text adds no blank lines",
      placement: "prepend",
      input: [{ role: "system", content: "" }, user],
      want: [{ role: "system", content: "PRESET" }, user],
    },
    {
      name: "prepend, a later system message stays where it is",
      placement: "prepend",
      input: [user, assistant, { role: "system", content: "LATER" }],
      want: [{ role: "system", content: "PRESET" }, user, assistant, { role: "system", content: "LATER" }],
    },
    {
      name: "prepend, only the first of two leading system messages is merged",
      placement: "prepend",
      input: [{ role: "system", content: "ONE" }, { role: "developer", content: "TWO" }, user],
      want: [{ role: "system", content: "PRESET\n\nONE" }, { role: "developer", content: "TWO" }, user],
    },
    {
      name: "prepend, empty conversation",
      placement: "prepend",
      input: [],
      want: [{ role: "system", content: "PRESET" }],
    },
    // append
    {
      name: "append, no client system",
      placement: "append",
      input: [user],
      want: [{ role: "system", content: "PRESET" }, user],
    },
    {
      name: "append, client system",
      placement: "append",
      input: [{ role: "system", content: "CLIENT" }, user],
      want: [{ role: "system", content: "CLIENT\n\nPRESET" }, user],
    },
    {
      name: "append, client developer",
      placement: "append",
      input: [{ role: "developer", content: "DEV" }, user],
      want: [{ role: "system", content: "DEV\n\nPRESET" }, user],
    },
    {
      name: "append, content parts (non-text parts ignored)",
      placement: "append",
      input: [
        {
          role: "system",
          content: [
            { type: "text", text: "A" },
            { type: "image_url", image_url: { url: "x" } },
          ],
        },
        user,
      ],
      want: [{ role: "system", content: "A\n\nPRESET" }, user],
    },
    // replace
    {
      name: "replace, no client system",
      placement: "replace",
      input: [user],
      want: [{ role: "system", content: "PRESET" }, user],
    },
    {
      name: "replace, client system dropped",
      placement: "replace",
      input: [{ role: "system", content: "CLIENT" }, user],
      want: [{ role: "system", content: "PRESET" }, user],
    },
    {
      name: "replace, client developer dropped",
      placement: "replace",
      input: [{ role: "developer", content: "DEV" }, user],
      want: [{ role: "system", content: "PRESET" }, user],
    },
    {
      name: "replace, content-part system dropped",
      placement: "replace",
      input: [{ role: "system", content: [{ type: "text", text: "A" }] }, user],
      want: [{ role: "system", content: "PRESET" }, user],
    },
    {
      name: "replace, all leading system/developer dropped, later one kept",
      placement: "replace",
      input: [
        { role: "system", content: "ONE" },
        { role: "developer", content: "TWO" },
        user,
        { role: "system", content: "LATER" },
      ],
      want: [{ role: "system", content: "PRESET" }, user, { role: "system", content: "LATER" }],
    },
  ];

  it.each(cases)("$name", ({ placement, input, want }) => {
    expect(applyPreset(preset({ placement }), { messages: input }).messages).toEqual(want);
  });

  it("placement defaults to prepend", () => {
    expect(preset().placement).toBe("prepend");
  });

  it("passes untouched messages through by reference", () => {
    const out = applyPreset(preset(), { messages: [{ role: "system", content: "C" }, user] });
    expect(out.messages[1]).toBe(user);
  });
});

describe("applyPreset: defaults and limits", () => {
  const p = preset({
    defaults: { temperature: 0.3, top_p: 0.9, max_tokens: 256 },
    limits: { temperature: { min: 0.1, max: 0.7 }, top_p: { min: 0.5, max: 0.95 }, max_tokens: { max: 512 } },
  });
  const cases: {
    name: string;
    req: Omit<ToneRequest, "messages">;
    params: Record<string, unknown>;
    clamped: string[];
  }[] = [
    {
      name: "all defaults fill an empty request",
      req: {},
      params: { temperature: 0.3, top_p: 0.9, max_tokens: 256 },
      clamped: [],
    },
    {
      name: "null counts as left out",
      req: { temperature: null, top_p: null, max_tokens: null },
      params: { temperature: 0.3, top_p: 0.9, max_tokens: 256 },
      clamped: [],
    },
    {
      name: "client values within limits win over defaults",
      req: { temperature: 0.5, top_p: 0.6, max_tokens: 100 },
      params: { temperature: 0.5, top_p: 0.6, max_tokens: 100 },
      clamped: [],
    },
    {
      name: "values exactly at the limits are not clamped",
      req: { temperature: 0.7, top_p: 0.5, max_tokens: 512 },
      params: { temperature: 0.7, top_p: 0.5, max_tokens: 512 },
      clamped: [],
    },
    {
      name: "clamped at the upper end",
      req: { temperature: 1.8, top_p: 1, max_tokens: 4096 },
      params: { temperature: 0.7, top_p: 0.95, max_tokens: 512 },
      clamped: ["temperature", "top_p", "max_tokens"],
    },
    {
      name: "clamped at the lower end",
      req: { temperature: 0, top_p: 0.1 },
      params: { temperature: 0.1, top_p: 0.5, max_tokens: 256 },
      clamped: ["temperature", "top_p"],
    },
    {
      name: "max_completion_tokens suppresses the max_tokens default",
      req: { max_completion_tokens: 64 },
      params: { temperature: 0.3, top_p: 0.9, max_completion_tokens: 64 },
      clamped: [],
    },
    {
      name: "max_completion_tokens is clamped too, in stable order",
      req: { max_completion_tokens: 9000, max_tokens: 9000, temperature: 2 },
      params: { temperature: 0.7, top_p: 0.9, max_tokens: 512, max_completion_tokens: 512 },
      clamped: ["temperature", "max_tokens", "max_completion_tokens"],
    },
  ];

  it.each(cases)("$name", ({ req, params, clamped }) => {
    const out = applyPreset(p, { messages: [user], ...req });
    expect(out.params).toEqual(params);
    expect(out.clamped).toEqual(clamped);
  });

  it("a limit without a default caps max_tokens when the client sent none (not reported as clamped)", () => {
    const out = applyPreset(preset({ limits: { max_tokens: { max: 300 } } }), { messages: [user] });
    expect(out.params).toEqual({ max_tokens: 300 });
    expect(out.clamped).toEqual([]);
  });

  it("one-sided limits clamp only that side", () => {
    const onlyMax = preset({ limits: { temperature: { max: 1 } } });
    expect(applyPreset(onlyMax, { messages: [user], temperature: 0 }).params.temperature).toBe(0);
    expect(applyPreset(onlyMax, { messages: [user], temperature: 1.5 }).params.temperature).toBe(1);
    const onlyMin = preset({ limits: { top_p: { min: 0.3 } } });
    expect(applyPreset(onlyMin, { messages: [user], top_p: 1 }).params.top_p).toBe(1);
    expect(applyPreset(onlyMin, { messages: [user], top_p: 0.1 }).params.top_p).toBe(0.3);
  });

  it("no defaults and no limits leave the params alone", () => {
    const out = applyPreset(preset(), { messages: [user], temperature: 1.9, max_tokens: 10_000 });
    expect(out.params).toEqual({ temperature: 1.9, max_tokens: 10_000 });
    expect(out.clamped).toEqual([]);
  });
});

describe("applyPreset: stop", () => {
  const cases: { name: string; presetStop?: string[]; client?: string | string[] | null; want: unknown }[] = [
    { name: "preset only", presetStop: ["###"], want: ["###"] },
    { name: "client string first, then preset", presetStop: ["###"], client: "END", want: ["END", "###"] },
    { name: "no duplicates", presetStop: ["###", "END"], client: ["END"], want: ["END", "###"] },
    {
      name: "every stop, client first (a dialect that takes fewer keeps the client's first)",
      presetStop: ["p1", "p2", "p3"],
      client: ["c1", "c2", "c3", "c4", "c5"],
      want: ["c1", "c2", "c3", "c4", "c5", "p1", "p2", "p3"],
    },
    {
      name: "at most the gateway's 32",
      presetStop: ["p1", "p2"],
      client: Array.from({ length: 31 }, (_, i) => `c${i}`),
      want: [...Array.from({ length: 31 }, (_, i) => `c${i}`), "p1"],
    },
    { name: "client null", presetStop: ["###"], client: null, want: ["###"] },
    { name: "no preset stop leaves a client string as is", client: "END", want: "END" },
    { name: "no stop anywhere", want: undefined },
  ];
  it.each(cases)("$name", ({ presetStop, client, want }) => {
    const req: ToneRequest<ChatMessage> = { messages: [user], ...(client !== undefined ? { stop: client } : {}) };
    expect(applyPreset(preset({ stop: presetStop }), req).params.stop).toEqual(want);
  });
});

describe("applyPreset: tone, purity, null preset", () => {
  it('reports "name@version"', () => {
    expect(applyPreset(preset({ name: "formal", version: "2024-06-01" }), { messages: [user] }).tone).toBe(
      "formal@2024-06-01",
    );
  });

  it("does not mutate its input", () => {
    const p = preset({
      placement: "append",
      defaults: { temperature: 0.2, max_tokens: 50 },
      limits: { temperature: { max: 0.5 }, max_tokens: { max: 100 } },
      stop: ["###"],
    });
    const req: ToneRequest<ChatMessage> = {
      messages: [{ role: "developer", content: [{ type: "text", text: "D" }] }, user, { role: "system", content: "S" }],
      temperature: 1.5,
      stop: ["END"],
    };
    const before = structuredClone(req);
    const presetBefore = structuredClone(p);
    applyPreset(p, req);
    applyPreset(preset({ placement: "replace" }), req);
    expect(req).toEqual(before);
    expect(p).toEqual(presetBefore);
  });

  it("a null preset passes messages and params through unchanged", () => {
    const req: ToneRequest<ChatMessage> = {
      messages: [{ role: "system", content: "C" }, user],
      temperature: 1.7,
      max_tokens: 9,
      stop: "x",
    };
    const out = applyPreset(null, req);
    expect(out).toEqual({
      messages: req.messages,
      params: { temperature: 1.7, max_tokens: 9, stop: "x" },
      clamped: [],
      tone: null,
    });
    expect(out.messages).not.toBe(req.messages);
  });

  it("keeps the caller's message type (typed use)", () => {
    type Msg = { role: "user" | "system"; content: string; name?: string };
    const msgs: Msg[] = [{ role: "user", content: "q", name: "n" }];
    const out = applyPreset(preset(), { messages: msgs });
    const first: Msg | { role: "system"; content: string } = out.messages[0];
    expect(first).toEqual({ role: "system", content: "PRESET" });
  });
});
