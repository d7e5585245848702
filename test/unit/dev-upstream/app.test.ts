// The dev upstream's wire shapes, in process through app.request(): what the
// gateway's provider code and the worker tests rely on (vLLM-style errors,
// OpenAI completion/chunk shapes, usage, echo header, tools, truncation).
import { describe, expect, it } from "vitest";
import { createDevUpstream } from "../../../scripts/dev-upstream/app";

const BASE = "meta-llama/Llama-3.1-8B-Instruct";
const NOW = 1_750_000_000_000;
const newApp = () =>
  createDevUpstream({ models: ["acme-support-v1", "globex-tutor-v1"], baseModels: [BASE], now: () => NOW });

const SYSTEM = "You are a friendly and patient support agent for Acme. Always answer calmly, kindly and briefly.";
const chat = (extra: Record<string, unknown> = {}) => ({
  model: "acme-support-v1",
  messages: [
    { role: "system", content: SYSTEM },
    { role: "user", content: "first question" },
    { role: "assistant", content: "first answer" },
    { role: "user", content: [{ type: "text", text: "hello there" }] },
  ],
  ...extra,
});

function post(app: ReturnType<typeof newApp>, body: unknown, headers: Record<string, string> = {}) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return app.request("/v1/chat/completions", {
    method: "POST",
    body: raw,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Parses an SSE body into its data payloads (JSON objects, or the "[DONE]" marker). */
async function sseEvents(res: Response): Promise<any[]> {
  const text = await res.text();
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .trimEnd()
    .split("\n\n")
    .map((event) => {
      expect(event.startsWith("data: ")).toBe(true);
      const data = event.slice("data: ".length);
      return data === "[DONE]" ? data : JSON.parse(data);
    });
}

describe("dev upstream: discovery", () => {
  it("answers /healthz", async () => {
    const res = await newApp().request("/healthz");
    expect(await res.json()).toEqual({ ok: true });
  });

  it("lists base models and LoRAs vLLM-style, LoRAs with a parent", async () => {
    const body = await (await newApp().request("/v1/models")).json();
    expect(body.object).toBe("list");
    expect(body.data.map((m: { id: string }) => m.id)).toEqual([BASE, "acme-support-v1", "globex-tutor-v1"]);
    expect(body.data[0]).toMatchObject({ object: "model", parent: null, created: NOW / 1000 });
    expect(body.data[1]).toMatchObject({ id: "acme-support-v1", object: "model", parent: BASE });
  });
});

describe("dev upstream: errors", () => {
  it("answers an unknown model exactly like vLLM >= 0.10.1", async () => {
    const res = await post(newApp(), chat({ model: "acme-unknown" }));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: "The model `acme-unknown` does not exist.", type: "NotFoundError", param: "model", code: 404 },
    });
  });

  it.each([
    ["bad JSON", "{nope", null],
    ["a non-object body", "[1]", null],
    ["missing messages", { model: "acme-support-v1" }, "messages"],
    ["empty messages", { model: "acme-support-v1", messages: [] }, "messages"],
    ["missing model", { messages: [{ role: "user", content: "hi" }] }, "model"],
    ["max_tokens 0", chat({ max_tokens: 0 }), "max_tokens"],
  ])("answers 400 BadRequestError for %s", async (_name, body, param) => {
    const res = await post(newApp(), body);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ type: "BadRequestError", code: 400, param });
    expect(typeof error.message).toBe("string");
  });

  it("answers unknown paths with FastAPI's 404", async () => {
    const res = await newApp().request("/v1/nope");
    expect(res.status).toBe(404);
  });
});

describe("dev upstream: non-stream completions", () => {
  it("returns a chat.completion that names the adapter and quotes what arrived", async () => {
    const res = await post(newApp(), chat());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-dev-echo")).toBeNull();
    const body = await res.json();
    const content = `[adapter acme-support-v1] system: "${SYSTEM.slice(0, 80)}…" | you said: "hello there" | ok.`;
    expect(body).toEqual({
      id: "chatcmpl-dev-1",
      object: "chat.completion",
      created: NOW / 1000,
      model: "acme-support-v1",
      choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 22, completion_tokens: 24, total_tokens: 46 },
    });
  });

  it("numbers completions per app instance and says when no system message came", async () => {
    const app = newApp();
    await post(app, chat());
    const body = await (await post(app, { model: BASE, messages: [{ role: "user", content: "hi" }] })).json();
    expect(body.id).toBe("chatcmpl-dev-2");
    expect(body.choices[0].message.content).toBe(`[base ${BASE}] system: (none) | you said: "hi" | ok.`);
  });

  it("uses a developer message as the system prompt", async () => {
    const body = await (
      await post(newApp(), {
        model: "acme-support-v1",
        messages: [
          { role: "developer", content: "Be formal." },
          { role: "user", content: "x" },
        ],
      })
    ).json();
    expect(body.choices[0].message.content).toContain('system: "Be formal."');
  });

  it.each(["max_tokens", "max_completion_tokens"])("truncates to %s with finish_reason length", async (key) => {
    const body = await (await post(newApp(), chat({ [key]: 3 }))).json();
    expect(body.choices[0]).toMatchObject({
      message: { content: "[adapter acme-support-v1] system: " },
      finish_reason: "length",
    });
    expect(body.usage.completion_tokens).toBe(3);
  });

  it("keeps finish_reason stop when max_tokens is not reached", async () => {
    const body = await (await post(newApp(), chat({ max_tokens: 1000 }))).json();
    expect(body.choices[0].finish_reason).toBe("stop");
  });

  it("echoes the parameters it received in x-dev-echo when asked", async () => {
    const request = chat({
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: ["\n"],
      user: "u-1",
      metadata: { a: 1 },
    });
    const res = await post(newApp(), request, { "x-dev-echo": "1" });
    const echo = JSON.parse(Buffer.from(res.headers.get("x-dev-echo")!, "base64url").toString("utf8"));
    expect(echo).toMatchObject({
      model: "acme-support-v1",
      messages: request.messages,
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: ["\n"],
      user: "u-1",
    });
    expect(echo).not.toHaveProperty("tools");
    expect(echo.keys).toContain("metadata");
  });

  it("keeps non-ASCII text intact through the echo header", async () => {
    const res = await post(
      newApp(),
      { model: "acme-support-v1", messages: [{ role: "user", content: "héllo — 日本" }] },
      { "x-dev-echo": "1" },
    );
    const echo = JSON.parse(Buffer.from(res.headers.get("x-dev-echo")!, "base64url").toString("utf8"));
    expect(echo.messages[0].content).toBe("héllo — 日本");
  });
});

describe("dev upstream: streaming", () => {
  it("streams role chunk, one chunk per token, finish, usage and [DONE]", async () => {
    const res = await post(newApp(), chat({ stream: true, stream_options: { include_usage: true } }));
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await sseEvents(res);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1);
    for (const c of chunks)
      expect(c).toMatchObject({
        id: "chatcmpl-dev-1",
        object: "chat.completion.chunk",
        created: NOW / 1000,
        model: "acme-support-v1",
      });
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    const tokens = chunks.slice(1, -2).map((c) => c.choices[0].delta.content);
    expect(tokens.length).toBe(24);
    expect(tokens.join("")).toMatch(/^\[adapter acme-support-v1\] system: ".*" \| you said: "hello there" \| ok\.$/);
    expect(chunks.at(-2).choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 22, completion_tokens: 24, total_tokens: 46 },
    });
  });

  it("sends no usage chunk without include_usage, and truncates with finish_reason length", async () => {
    const events = await sseEvents(await post(newApp(), chat({ stream: true, max_tokens: 2 })));
    expect(events.map((e) => (e === "[DONE]" ? e : e.choices[0]?.delta))).toEqual([
      { role: "assistant", content: "" },
      { content: "[adapter " },
      { content: "acme-support-v1] " },
      {},
      "[DONE]",
    ]);
    expect(events[3].choices[0].finish_reason).toBe("length");
    expect(events.some((e) => e !== "[DONE]" && e.usage)).toBe(false);
  });
});

describe("dev upstream: tool calls", () => {
  const tools = [
    { type: "function", function: { name: "lookup_order", parameters: { type: "object" } } },
    { type: "function", function: { name: "refund", parameters: { type: "object" } } },
  ];

  it("answers text when tool_choice is auto", async () => {
    const body = await (await post(newApp(), chat({ tools, tool_choice: "auto" }))).json();
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.choices[0].message.tool_calls).toBeUndefined();
  });

  it("calls the first tool when tool_choice is required", async () => {
    const body = await (await post(newApp(), chat({ tools, tool_choice: "required" }))).json();
    const { message, finish_reason } = body.choices[0];
    expect(finish_reason).toBe("tool_calls");
    expect(message.content).toBeNull();
    expect(message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_[0-9a-f]{8}$/),
        type: "function",
        function: { name: "lookup_order", arguments: '{"echo":"hello there"}' },
      },
    ]);
    const again = await (await post(newApp(), chat({ tools, tool_choice: "required" }))).json();
    expect(again.choices[0].message.tool_calls[0].id).toBe(message.tool_calls[0].id);
  });

  it("streams the named tool call: id and name first, then argument fragments", async () => {
    const choice = { type: "function", function: { name: "refund" } };
    const events = await sseEvents(
      await post(newApp(), chat({ tools, tool_choice: choice, stream: true, stream_options: { include_usage: true } })),
    );
    const chunks = events.slice(0, -1);
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant" });
    const [first, ...rest] = chunks.slice(1, -2).map((c) => c.choices[0].delta.tool_calls[0]);
    expect(first).toEqual({
      index: 0,
      id: expect.stringMatching(/^call_/),
      type: "function",
      function: { name: "refund", arguments: "" },
    });
    expect(rest.length).toBe(2);
    for (const fragment of rest) expect(Object.keys(fragment)).toEqual(["index", "function"]);
    expect(JSON.parse(rest.map((f) => f.function.arguments).join(""))).toEqual({ echo: "hello there" });
    expect(chunks.at(-2).choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.at(-1).usage.completion_tokens).toBe(2);
  });
});
