// A stream that breaks after its 200 went out must look like a failure to
// the client: the gateway ends it with an OpenAI-shaped error event (and no
// [DONE]), which the official SDK raises, rather than a clean end of body
// that the SDK returns as if the partial text were the whole answer.
import { exports } from "cloudflare:workers";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { chat, readSSE, waitForInteraction } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

const testco = { key: KEYS.testco };

/** The SDK over a real invocation of the Worker (a service call, as a client's HTTP request is). */
function sdk(key: string) {
  return new OpenAI({
    apiKey: key,
    baseURL: "http://gateway.test/v1",
    fetch: (input, init) => exports.default.fetch(new Request(String(input), init as RequestInit)),
    maxRetries: 0,
  });
}

async function drain(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  return text;
}

describe("a stream that breaks after the 200", () => {
  it("makes the official SDK raise on a cut", async () => {
    const stream = await sdk(KEYS.testco).chat.completions.create({
      model: "cut",
      stream: true,
      messages: [{ role: "user", content: "hello" }],
    });
    await expect(drain(stream)).rejects.toThrow(/broke off/);
  });

  it("makes the official SDK raise on a stall past the timeout", async () => {
    const stream = await sdk(KEYS.testco).chat.completions.create({
      model: "stall",
      stream: true,
      messages: [{ role: "user", content: "hello" }],
    });
    await expect(drain(stream)).rejects.toThrow(/no data from upstream/);
  });

  it("ends a cut stream with an error event and no [DONE], and logs upstream_error", async () => {
    const { response, settled } = await chat({ model: "cut", stream: true }, testco);
    expect(response.status).toBe(200);
    const { events, done } = await readSSE(response);
    expect(done).toBe(false);
    expect(events.slice(0, -1).every((e) => e.object === "chat.completion.chunk")).toBe(true);
    expect(events.at(-1)).toEqual({
      error: {
        message: expect.stringContaining("The upstream stream broke off"),
        type: "upstream_error",
        param: null,
        code: "upstream_error",
      },
    });
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("upstream_error");
    expect(String(row.response_text)).toContain("[adapter");
  });

  it("ends a stalled stream with a timeout error event", async () => {
    const { response, settled } = await chat({ model: "stall", stream: true }, testco);
    const { events, done } = await readSSE(response);
    expect(done).toBe(false);
    expect(events.at(-1)?.error).toMatchObject({ type: "timeout_error", code: "upstream_timeout" });
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("timeout");
  });

  it("a whole stream still ends in [DONE] with no error event", async () => {
    const { response } = await chat({ model: "ok", stream: true }, testco);
    const { events, done } = await readSSE(response);
    expect(done).toBe(true);
    expect(events.some((e) => "error" in e)).toBe(false);
  });
});
