// POST /v1/chat/completions through the real app inside workerd, against the
// dev upstream: auth, validation, both wire shapes, upstream failure modes,
// fallbacks and client aborts.
import OpenAI from "openai";
import { describe, expect, it, vi } from "vitest";
import { call, chat, readSSE, waitForInteraction } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

const testco = { key: KEYS.testco };

describe("auth", () => {
  it.each([
    ["missing", null],
    ["unknown", "sk-nope"],
  ])("rejects a %s key with 401 invalid_api_key", async (_, key) => {
    const { response } = await chat({ model: "support" }, { key });
    expect(response.status).toBe(401);
    const body = await response.json<{ error: Record<string, unknown> }>();
    expect(body.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key", param: null });
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("rejects a malformed Authorization header", async () => {
    const { response } = await call("/v1/chat/completions", {}, { key: null, headers: { authorization: "Basic abc" } });
    expect(response.status).toBe(401);
  });

  it("accepts the tenant's key", async () => {
    const { response } = await chat({ model: "support" });
    expect(response.status).toBe(200);
  });
});

describe("validation", () => {
  const cases: [string, unknown, string | null, number?][] = [
    ["no model", { messages: [{ role: "user", content: "x" }] }, "model"],
    ["empty messages", { model: "support", messages: [] }, "messages"],
    ["bad role", { model: "support", messages: [{ role: "robot", content: "x" }] }, "messages[0].role"],
    ["user without content", { model: "support", messages: [{ role: "user" }] }, "messages[0].content"],
    [
      "assistant without content or tools",
      { model: "support", messages: [{ role: "assistant" }] },
      "messages[0].content",
    ],
    ["tool without id", { model: "support", messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id"],
    [
      "temperature too high",
      { model: "support", messages: [{ role: "user", content: "x" }], temperature: 3 },
      "temperature",
    ],
    ["top_p negative", { model: "support", messages: [{ role: "user", content: "x" }], top_p: -1 }, "top_p"],
    ["max_tokens zero", { model: "support", messages: [{ role: "user", content: "x" }], max_tokens: 0 }, "max_tokens"],
    ["n above 16", { model: "support", messages: [{ role: "user", content: "x" }], n: 17 }, "n"],
    ["n zero", { model: "support", messages: [{ role: "user", content: "x" }], n: 0 }, "n"],
    [
      "33 stops",
      {
        model: "support",
        messages: [{ role: "user", content: "x" }],
        stop: Array.from({ length: 33 }, (_, i) => `s${i}`),
      },
      "stop",
    ],
    [
      "stream_options without stream",
      { model: "support", messages: [{ role: "user", content: "x" }], stream_options: { include_usage: true } },
      "stream_options",
    ],
    ["stream not boolean", { model: "support", messages: [{ role: "user", content: "x" }], stream: "yes" }, "stream"],
    [
      "bad tool",
      { model: "support", messages: [{ role: "user", content: "x" }], tools: [{ type: "function" }] },
      "tools[0].function",
    ],
    [
      "metadata not strings",
      { model: "support", messages: [{ role: "user", content: "x" }], metadata: { a: 1 } },
      "metadata.a",
    ],
  ];
  it.each(cases)("%s → 400 naming the param", async (_, body, param) => {
    const { response } = await call("/v1/chat/completions", body);
    expect(response.status).toBe(400);
    const { error } = await response.json<{ error: Record<string, unknown> }>();
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
    expect(String(error.message)).toContain(String(param));
  });

  it("malformed JSON → 400", async () => {
    const { response } = await call("/v1/chat/completions", "{not json");
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { type: string } }>()).error.type).toBe("invalid_request_error");
  });

  it("unknown task → 404 model_not_found", async () => {
    const { response } = await chat({ model: "no-such-task" });
    expect(response.status).toBe(404);
    expect((await response.json<{ error: unknown }>()).error).toMatchObject({
      code: "model_not_found",
      param: "model",
    });
  });

  it("a bad audience → 400 naming it", async () => {
    const { response } = await chat({ model: "support" }, { headers: { "x-switchyard-audience": "Not A Slug!" } });
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { param: string } }>()).error.param).toBe("x-switchyard-audience");
    const viaMetadata = await chat({ model: "support", metadata: { audience: "BAD" } });
    expect(viaMetadata.response.status).toBe(400);
    expect((await viaMetadata.response.json<{ error: { param: string } }>()).error.param).toBe("metadata.audience");
  });
});

describe("non-streaming", () => {
  it("answers a chat.completion whose id is the request id, with routing headers", async () => {
    const { response } = await chat(
      { model: "support", user: "alice" },
      { headers: { "x-client-request-id": "client-req-12345" } },
    );
    expect(response.status).toBe(200);
    const id = response.headers.get("x-request-id");
    expect(id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(response.headers.get("x-client-request-id")).toBe("client-req-12345");
    expect(response.headers.get("x-switchyard-adapter")).toBe("acme-support");
    expect(response.headers.get("x-switchyard-adapter-version")).toMatch(/^support-v[12]$/);
    expect(response.headers.get("x-switchyard-route")).toBe("default");
    expect(response.headers.get("server-timing")).toMatch(/gateway;dur=[\d.]+, upstream;dur=\d+/);
    expect(response.headers.get("x-switchyard-feedback-token")).toMatch(/^v1\.acme\.\d+\./);
    const body = await response.json<Record<string, any>>();
    expect(body).toMatchObject({
      id,
      object: "chat.completion",
      model: expect.stringMatching(/^support@/),
    });
    expect(body.choices[0].message.role).toBe("assistant");
    expect(body.choices[0].message.content).toContain("[adapter acme-support-v");
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("never takes a client-sent x-request-id as its own", async () => {
    for (const sent of ["bad id with spaces", "chatcmpl-chosen-by-the-client-0001"]) {
      const { response } = await chat({ model: "support" }, { headers: { "x-request-id": sent } });
      expect(response.headers.get("x-request-id")).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    }
  });

  it("passes tool calls through", async () => {
    const tools = [{ type: "function", function: { name: "lookup_order", parameters: { type: "object" } } }];
    const { response } = await chat({ model: "support", tools, tool_choice: "required" });
    const body = await response.json<Record<string, any>>();
    expect(body.choices[0].finish_reason).toBe("tool_calls");
    expect(body.choices[0].message.tool_calls[0].function.name).toBe("lookup_order");
  });
});

describe("streaming", () => {
  it("streams chat.completion.chunk events ending in [DONE], without usage unless asked", async () => {
    const { response } = await chat({ model: "support", stream: true });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const id = response.headers.get("x-request-id");
    const { events, done } = await readSSE(response);
    expect(done).toBe(true);
    expect(events[0].choices[0].delta.role).toBe("assistant");
    for (const e of events) {
      expect(e).toMatchObject({ id, object: "chat.completion.chunk" });
      expect("usage" in e).toBe(false);
    }
    expect(events.at(-1).choices[0].finish_reason).toBe("stop");
    const text = events.map((e) => e.choices[0]?.delta?.content ?? "").join("");
    expect(text).toContain("[adapter acme-support-v");
  });

  it("adds the usage chunk with empty choices when include_usage is set", async () => {
    const { response } = await chat({ model: "support", stream: true, stream_options: { include_usage: true } });
    const { events, done } = await readSSE(response);
    expect(done).toBe(true);
    const last = events.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBeGreaterThan(0);
    expect(events.filter((e) => e.choices.length === 0)).toHaveLength(1);
  });

  it("computes usage from the stream when the upstream sends none (LoRAX takes no stream_options)", async () => {
    const { response, settled } = await chat(
      { model: "lorax", stream: true, stream_options: { include_usage: true } },
      { key: KEYS.testco },
    );
    const { events, done } = await readSSE(response);
    expect(done).toBe(true);
    const text = events.map((e) => e.choices[0]?.delta?.content ?? "").join("");
    const usage = events.at(-1).usage;
    expect(events.at(-1).choices).toEqual([]);
    expect(usage.completion_tokens).toBe(events.filter((e) => e.choices[0]?.delta?.content).length);
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(text.length).toBeGreaterThan(0);
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.usage_estimated).toBe(1);
    expect(row.completion_tokens).toBe(usage.completion_tokens);
  });

  it("is parsed by the official openai SDK, streaming and not", async () => {
    const client = new OpenAI({
      apiKey: KEYS.acme,
      baseURL: "http://gateway.test/v1",
      fetch: async (input, init) =>
        (
          await call(new URL(String(input)).pathname, JSON.parse(String(init?.body)), {
            headers: init?.headers as never,
          })
        ).response,
      maxRetries: 0,
    });
    const completion = await client.chat.completions.create({
      model: "support",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0].message.content).toContain("acme-support");
    const stream = await client.chat.completions.create({
      model: "support",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toContain("acme-support");
    expect(usage).not.toBeNull();
  });
});

describe("upstream failures", () => {
  it.each([
    ["fail500", 502, "upstream_error"],
    ["fail503", 502, "upstream_error"],
    ["badlora", 502, "upstream_error"],
    ["fail429", 429, "rate_limit_error"],
    ["hang", 504, "timeout_error"],
    ["cut", 502, "upstream_error"],
  ])("%s → %i %s, and the interaction is still logged", async (task, status, type) => {
    const { response, settled } = await chat({ model: task }, testco);
    expect(response.status).toBe(status);
    const { error } = await response.json<{ error: { type: string } }>();
    expect(error.type).toBe(type);
    if (status === 429) expect(response.headers.get("retry-after")).toBe("1");
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe(task === "hang" ? "timeout" : "upstream_error");
    expect(row.tenant_id).toBe("testco");
  });

  it("a stream cut mid-way ends in an error event and logs upstream_error with the partial text", async () => {
    const { response, settled } = await chat({ model: "cut", stream: true }, testco);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/data: \{"error":\{[^\n]*\n\n$/);
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("upstream_error");
    expect(String(row.response_text)).toContain("[adapter");
  });

  it("a stream that stalls longer than timeout_ms is cut and logged as timeout", async () => {
    const { response, settled } = await chat({ model: "stall", stream: true }, testco);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"code":"upstream_timeout"');
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("timeout");
    expect(String(row.error)).toContain("no data from upstream for 300 ms");
  });

  it("a whole answer whose body stalls after its headers times out within timeout_ms (504), logged as timeout", async () => {
    const { response, settled } = await chat({ model: "stall-body" }, testco);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: "upstream_timeout" } });
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("timeout");
    expect(JSON.parse(String(row.attempts))).toMatchObject([{ version: "stall-body-v1", outcome: "timeout" }]);
  });

  it.each([
    "fallback-500",
    "fallback-429",
    "fallback-hang",
    "fallback-badlora",
    "fallback-cut",
    "fallback-stall-body",
    "fallback-chain",
  ])("%s falls back to the next adapter before the first byte", async (task) => {
    const { response, settled } = await chat({ model: task }, testco);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-adapter-version")).toBe("ok-v1");
    expect(response.headers.get("x-switchyard-route")).toBe(`${task}-rule`);
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("ok");
    const attempts = JSON.parse(String(row.attempts));
    expect(attempts.at(-1)).toMatchObject({ version: "ok-v1", outcome: "ok" });
    expect(attempts.length).toBe(task === "fallback-chain" ? 4 : 2);
  });
});

describe("client abort", () => {
  it("cancelling a stream cancels the upstream read and logs client_aborted", async () => {
    const { response, settled } = await chat({ model: "slow", stream: true }, testco);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel("user closed the tab");
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("client_aborted");
  });

  it("aborting a non-streamed request logs client_aborted", async () => {
    const controller = new AbortController();
    // The client goes away once the gateway's upstream request is under way
    // (the slow upstream answers after more than a second), not after a fixed delay.
    const upstreamFetch = globalThis.fetch;
    let upstreamCalls = 0;
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation((...args: Parameters<typeof fetch>) => {
      upstreamCalls++;
      const pending = upstreamFetch(...args);
      controller.abort();
      return pending;
    });
    const { response, settled } = await chat({ model: "slow" }, { ...testco, signal: controller.signal }).finally(() =>
      fetchSpy.mockRestore(),
    );
    expect(upstreamCalls).toBe(1);
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("client_aborted");
  });
});
