// The workers-ai provider against a fake AI binding with the real binding's
// contract (the real one only works when deployed): env.AI.run(model,
// {messages, lora, stream}) returning {response, usage} or an SSE stream of
// {"response": …} events.
import { describe, expect, it } from "vitest";
import { chat, readSSE } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

function fakeAi(behaviour: "ok" | "unknown-lora" | "overloaded" = "ok") {
  const calls: { model: string; inputs: Record<string, unknown> }[] = [];
  const ai = {
    async run(model: string, inputs: Record<string, unknown>) {
      calls.push({ model, inputs });
      if (behaviour === "unknown-lora") throw new Error("3037: Finetune testco-ai-lora not found");
      if (behaviour === "overloaded") throw new Error("3040: Capacity temporarily exceeded, please try again");
      const words = ["Hello ", "from ", "the ", "edge."];
      if (!inputs.stream)
        return { response: words.join(""), usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 } };
      const encoder = new TextEncoder();
      return new ReadableStream({
        start(controller) {
          for (const w of words)
            controller.enqueue(encoder.encode(`data: ${JSON.stringify({ response: w, p: "abc" })}\n\n`));
          controller.enqueue(
            encoder.encode(
              `data: ${JSON.stringify({ response: "", usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 } })}\n\n`,
            ),
          );
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        },
      });
    },
  };
  return { ai, calls };
}

const opts = (ai: unknown) => ({ key: KEYS.testco, env: { AI: ai } as Partial<Env> });

describe("workers-ai provider", () => {
  it("calls env.AI.run with the base model and the adapter as lora, and answers a chat.completion", async () => {
    const { ai, calls } = fakeAi();
    const { response } = await chat({ model: "ai", temperature: 0.2, max_tokens: 50 }, opts(ai));
    expect(response.status).toBe(200);
    expect(calls[0].model).toBe("@cf/mistral/mistral-7b-instruct-v0.2-lora");
    expect(calls[0].inputs).toMatchObject({ lora: "testco-ai-lora", stream: false, temperature: 0.2, max_tokens: 50 });
    expect(calls[0].inputs.messages).toEqual([{ role: "user", content: "hello" }]);
    const body = await response.json<Record<string, any>>();
    expect(body.object).toBe("chat.completion");
    expect(body.id).toBe(response.headers.get("x-request-id"));
    expect(body.choices[0].message).toEqual({ role: "assistant", content: "Hello from the edge." });
    expect(body.usage).toEqual({ prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 });
  });

  it("turns the {response} SSE into OpenAI chunks with usage and [DONE]", async () => {
    const { ai } = fakeAi();
    const { response } = await chat({ model: "ai", stream: true, stream_options: { include_usage: true } }, opts(ai));
    const { events, done } = await readSSE(response);
    expect(done).toBe(true);
    expect(events[0].choices[0].delta.role).toBe("assistant");
    const text = events.map((e) => e.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Hello from the edge.");
    const finish = events.find((e) => e.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe("stop");
    expect(events.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 11 } });
    for (const e of events) expect(e.object).toBe("chat.completion.chunk");
  });

  it("maps an unknown LoRA (3037) to 502 and a capacity error to 429", async () => {
    const unknown = await chat({ model: "ai" }, opts(fakeAi("unknown-lora").ai));
    expect(unknown.response.status).toBe(502);
    expect((await unknown.response.json<{ error: { message: string } }>()).error.message).toContain("3037");
    const busy = await chat({ model: "ai" }, opts(fakeAi("overloaded").ai));
    expect(busy.response.status).toBe(429);
  });
});
