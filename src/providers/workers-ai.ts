// Workers AI through the AI binding: env.AI.run(base_model, {messages, lora})
// with the adapter's fine-tune name in `lora`. Its answers ({response} or an
// SSE of {"response": "..."}) are translated into OpenAI's wire format here so
// the rest of the gateway sees one shape. The binding only works when
// deployed; locally and in tests a fake with the same contract stands in.
import { createParser } from "eventsource-parser";
import type { AdapterTarget } from "../routing/compiled";
import type { Provider, UpstreamCall, UpstreamResult } from "./provider";
import { encodeSSE, SSE_DONE, SSE_HEADERS } from "./sse";

const PASSED_PARAMS = ["temperature", "top_p", "max_tokens", "seed", "frequency_penalty", "presence_penalty", "tools"];
// Workers AI error codes that mean "this adapter cannot be served here".
const ADAPTER_UNAVAILABLE = /\b(3037|5005)\b|not found/i;

type AiUsage = { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };

function aiInputs(target: AdapterTarget, call: UpstreamCall): Record<string, unknown> {
  const inputs: Record<string, unknown> = { messages: call.body.messages, stream: call.stream };
  if (target.adapter.served_name && target.adapter.served_name !== target.adapter.base_model)
    inputs.lora = target.adapter.served_name;
  for (const key of PASSED_PARAMS) if (call.body[key] != null) inputs[key] = call.body[key];
  if (inputs.max_tokens == null && call.body.max_completion_tokens != null) {
    inputs.max_tokens = call.body.max_completion_tokens;
  }
  return inputs;
}

function chunk(delta: Record<string, unknown>, finishReason: string | null, usage?: AiUsage) {
  return {
    id: "",
    object: "chat.completion.chunk",
    // Replaced by the gateway with the request's own time (chat/run-chat.ts).
    created: 0,
    model: "",
    choices: usage ? [] : [{ index: 0, delta, finish_reason: finishReason }],
    ...(usage ? { usage } : {}),
  };
}

/** {"response": "…"} SSE in, OpenAI chat.completion.chunk SSE out. */
export function translateAiStream(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let usage: AiUsage | undefined;
  let output: TransformStreamDefaultController<Uint8Array>;
  const parser = createParser({
    onEvent(event) {
      if (event.data === "[DONE]") return;
      const data = JSON.parse(event.data) as { response?: string; usage?: AiUsage };
      if (data.usage) usage = data.usage;
      if (data.response) output.enqueue(encodeSSE(chunk({ content: data.response }, null)));
    },
  });
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        output = controller;
        controller.enqueue(encodeSSE(chunk({ role: "assistant", content: "" }, null)));
      },
      transform(bytes) {
        parser.feed(decoder.decode(bytes, { stream: true }));
      },
      flush(controller) {
        controller.enqueue(encodeSSE(chunk({}, "stop")));
        if (usage) controller.enqueue(encodeSSE(chunk({}, null, usage)));
        controller.enqueue(new TextEncoder().encode(SSE_DONE));
      },
    }),
  );
}

function completionFromAi(output: { response?: string; usage?: AiUsage; tool_calls?: unknown[] }) {
  const toolCalls = (output.tool_calls ?? []).map((call, index) => {
    const c = call as { name?: string; arguments?: unknown; id?: string };
    return {
      id: c.id ?? `call_${index}`,
      type: "function",
      function: {
        name: c.name ?? "",
        arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {}),
      },
    };
  });
  return {
    id: "",
    object: "chat.completion",
    // Replaced by the gateway with the request's own time (chat/run-chat.ts).
    created: 0,
    model: "",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: output.response ?? null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: toolCalls.length ? "tool_calls" : "stop",
      },
    ],
    ...(output.usage ? { usage: output.usage } : {}),
  };
}

/**
 * `work`, or the signal's reason once it aborts. The loser still settles
 * later; it is marked handled so it cannot surface as an uncaught rejection.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export const workersAiProvider: Provider = {
  async complete(target: AdapterTarget, call: UpstreamCall): Promise<UpstreamResult> {
    let output: unknown;
    try {
      // The binding takes no AbortSignal, so the call races the signal instead.
      output = await untilAborted(
        (call.env.AI as unknown as { run(model: string, inputs: unknown): Promise<unknown> }).run(
          target.adapter.base_model,
          aiInputs(target, call),
        ),
        call.signal,
      );
    } catch (error) {
      if (call.signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const status = ADAPTER_UNAVAILABLE.test(message) ? 404 : /\b429\b|rate|capacity/i.test(message) ? 429 : 502;
      return {
        ok: false,
        failure: { kind: "http", status, message, upstreamType: "workers_ai_error", retryAfter: null },
      };
    }
    if (output instanceof ReadableStream) {
      return { ok: true, response: new Response(translateAiStream(output), { headers: SSE_HEADERS }) };
    }
    return { ok: true, response: Response.json(completionFromAi((output ?? {}) as Record<string, never>)) };
  },
};
