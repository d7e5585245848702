// The upstream streams the stream path's golden files are recorded from.
// vLLM-shaped streams come from the dev upstream (the same bytes it serves:
// vLLM's field order, `logprobs` and `usage: null` on each chunk, a usage
// chunk at the end); LoRAX-, OpenAI- and Workers AI-shaped ones are written
// out in those servers' chunk shapes. Each case also says how the bytes are
// split into reads and how the upstream ends. Once recorded, a golden file
// holds the upstream bytes itself, so the goldens do not move when this file
// or the dev upstream changes (only re-recording does that).
import { createDevUpstream } from "../../../scripts/dev-upstream/app";

export type UpstreamEnd = "close" | "stall" | { error: string };

export interface GoldenCase {
  name: string;
  note: string;
  /** The upstream's bytes, as UTF-8 text. */
  upstream: string;
  /** Byte offsets at which the upstream's bytes are split into reads. */
  splits: number[];
  end: UpstreamEnd;
  includeUsage: boolean;
}

const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const DONE = "data: [DONE]\n\n";
const bytes = (text: string) => new TextEncoder().encode(text);

/** Splits at every event boundary, as a native reader mostly sees an upstream that flushes per token. */
function perEvent(text: string): number[] {
  const splits: number[] = [];
  const raw = bytes(text);
  for (let i = 0; i + 1 < raw.length; i++) if (raw[i] === 10 && raw[i + 1] === 10) splits.push(i + 2);
  return splits.filter((s) => s < raw.length);
}

/** Splits every `size` bytes: boundaries land mid-event, mid-field and mid-character. */
function every(size: number, text: string): number[] {
  const n = bytes(text).length;
  const splits: number[] = [];
  for (let at = size; at < n; at += size) splits.push(at);
  return splits;
}

async function devStream(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const app = createDevUpstream({
    models: ["support-v3", "tools-v1"],
    baseModels: ["llama-3.1-8b"],
    now: () => 1_764_460_800_000,
  });
  const response = await app.request("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ stream: true, ...body }),
  });
  // A cut stream errors its body after the last event: keep what came.
  const reader = response.body!.getReader();
  let text = "";
  const decoder = new TextDecoder();
  for (;;) {
    try {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    } catch {
      break;
    }
  }
  return text;
}

const messages = [
  { role: "system", content: "Be kind." },
  { role: "user", content: "Où est ma commande? 🙂" },
];

// OpenAI's chunk shape (2025): service_tier, system_fingerprint, refusal, obfuscation.
function openaiChunk(delta: object, finish: string | null, extra: Record<string, unknown> = {}) {
  return {
    id: "chatcmpl-CAbc123XyZ",
    object: "chat.completion.chunk",
    created: 1764460800,
    model: "ft:gpt-4o-mini-2024-07-18:acme::Bx9q",
    service_tier: "default",
    system_fingerprint: "fp_560af6e559",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
    ...extra,
  };
}
const openaiUsage = {
  id: "chatcmpl-CAbc123XyZ",
  object: "chat.completion.chunk",
  created: 1764460800,
  model: "ft:gpt-4o-mini-2024-07-18:acme::Bx9q",
  service_tier: "default",
  system_fingerprint: "fp_560af6e559",
  choices: [],
  usage: {
    prompt_tokens: 19,
    completion_tokens: 7,
    total_tokens: 26,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
  obfuscation: "k2",
};

function openaiText(): string {
  const words = ["Votre ", "commande ", "arrive ", "demain ", "— ", "désolé ", "🙂"];
  return (
    sse(openaiChunk({ role: "assistant", content: "", refusal: null }, null, { obfuscation: "Qx" })) +
    words.map((w, i) => sse(openaiChunk({ content: w }, null, { obfuscation: "abcdef".slice(i % 5) }))).join("") +
    sse(openaiChunk({}, "stop", { obfuscation: "Zz" })) +
    sse(openaiUsage) +
    DONE
  );
}

function openaiTools(): string {
  const call = (index: number, id: string, name: string) =>
    openaiChunk({ tool_calls: [{ index, id, type: "function", function: { name, arguments: "" } }] }, null);
  const args = (index: number, piece: string) =>
    openaiChunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null);
  return (
    sse(openaiChunk({ role: "assistant", content: null, refusal: null }, null)) +
    sse(call(0, "call_Wq1", "get_order")) +
    ['{"', "order", '_id":"', "A-1", '7"}'].map((p) => sse(args(0, p))).join("") +
    sse(call(1, "call_Wq2", "get_weather")) +
    ['{"city":', '"Zürich\\n', '"}'].map((p) => sse(args(1, p))).join("") +
    sse(openaiChunk({}, "tool_calls")) +
    sse({ ...openaiUsage, usage: { prompt_tokens: 40, completion_tokens: 22, total_tokens: 62 } }) +
    DONE
  );
}

// LoRAX: id "null", no usage (the gateway does not ask LoRAX for it), finish on the last token.
function loraxText(): string {
  const chunk = (delta: object, finish: string | null) => ({
    id: "null",
    object: "chat.completion.chunk",
    created: 1764460800,
    model: "acme/support-v3",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const words = ["Bonjour", " !", " Je", " vérifie", " tout", " de", " suite", "."];
  return (
    words
      .map((w, i) => sse(chunk({ role: "assistant", content: w }, i === words.length - 1 ? "stop" : null)))
      .join("") + DONE
  );
}

// Workers AI's stream as providers/workers-ai.ts translates it: empty id and model, created 0.
function workersAi(): string {
  const chunk = (delta: object, finish: string | null) => ({
    id: "",
    object: "chat.completion.chunk",
    created: 0,
    model: "",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return (
    sse(chunk({ role: "assistant", content: "" }, null)) +
    ["Hi", " there", "."].map((w) => sse(chunk({ content: w }, null))).join("") +
    sse(chunk({}, "stop")) +
    sse({
      id: "",
      object: "chat.completion.chunk",
      created: 0,
      model: "",
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
    }) +
    DONE
  );
}

// A Python server writing json.dumps defaults (spaces, \u escapes), CRLF line
// ends, a keep-alive comment, an `event:` line and `data:` without a space.
function pythonShaped(): string {
  const crlf = (s: string) => s.replace(/\n/g, "\r\n");
  return crlf(
    ": keep-alive\n\n" +
      'data: {"id": "cmpl-py", "object": "chat.completion.chunk", "created": 1764460800, "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Caf\\u00e9"}, "finish_reason": null}]}\n\n' +
      'event: message\ndata:{"id":"cmpl-py","object":"chat.completion.chunk","created":1764460800,"model":"m","choices":[{"index":0,"delta":{"content":" \\/ 1e-7 ok"},"finish_reason":null,"logprobs":{"content":[{"token":"x","logprob":-1.5e-7}]}}]}\n\n' +
      'data: {"id":"cmpl-py","object":"chat.completion.chunk","created":1764460800,"model":"m",\ndata: "choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
      DONE,
  );
}

// Compact JSON that still changes when parsed and written again: an integer-like
// key (V8 orders it first), a float with an exponent, a trailing space after
// the object, a duplicate top-level id, a lone surrogate escape.
function reorders(): string {
  return (
    'data: {"id":"u1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"a"},"finish_reason":null}],"x":{"b":1,"7":2}}\n\n' +
    'data: {"id":"u1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null,"logprobs":{"content":[{"token":"b","logprob":-2.5E-5,"bytes":[98]}]}}]} \n\n' +
    'data: {"id":"u1","id":"u2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"\\ud800c"},"finish_reason":null}]}\n\n' +
    'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"d"},"finish_reason":"stop"}],"model":"m2"}\n\n' +
    DONE
  );
}

function malformed(): string {
  const chunk = (content: string) =>
    sse({
      id: "x",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    });
  return chunk("one") + 'data: {"id":"x","choices":[{"index":0,"delta":{"content":"tw\n\n' + chunk(" three") + DONE;
}

// vLLM's mid-stream errors: >= 0.10.1 {"error": {...}}; older servers a flat ErrorResponse.
function vllmErrorEvent(flat: boolean, text: string): string {
  const events = text
    .split("\n\n")
    .filter(Boolean)
    .slice(0, 4)
    .map((e) => `${e}\n\n`)
    .join("");
  const error = { message: "CUDA out of memory", type: "InternalServerError", param: null, code: 500 };
  return events + sse(flat ? { object: "error", ...error } : { error });
}

export async function goldenCases(): Promise<GoldenCase[]> {
  const vllm = await devStream({ model: "support-v3", messages, stream_options: { include_usage: true } });
  const vllmNoUsage = await devStream({ model: "support-v3", messages });
  const tools = await devStream({
    model: "tools-v1",
    messages,
    stream_options: { include_usage: true },
    tools: [{ type: "function", function: { name: "get_order", parameters: { type: "object" } } }],
    tool_choice: "required",
  });
  const n2 = await devStream({ model: "support-v3", messages, n: 2, stream_options: { include_usage: true } });
  const cut = await devStream(
    { model: "support-v3", messages, stream_options: { include_usage: true } },
    { "x-dev-fail": "cut" },
  );
  const cases: Omit<GoldenCase, "splits">[] = [];
  const c = (name: string, note: string, upstream: string, includeUsage: boolean, end: UpstreamEnd = "close") => ({
    name,
    note,
    upstream,
    includeUsage,
    end,
  });
  const all: GoldenCase[] = [
    {
      ...c("vllm-text", "vLLM text stream with its usage chunk; client asked for usage", vllm, true),
      splits: perEvent(vllm),
    },
    {
      ...c(
        "vllm-text-no-client-usage",
        "the same stream; client did not ask for usage (usage keys and the usage chunk go)",
        vllm,
        false,
      ),
      splits: perEvent(vllm),
    },
    {
      ...c(
        "vllm-no-usage-upstream",
        "vLLM stream without stream_options: no usage chunk, the gateway estimates one",
        vllmNoUsage,
        true,
      ),
      splits: perEvent(vllmNoUsage),
    },
    {
      ...c("vllm-tool-call", "forced tool call: tool_calls deltas with id, name, argument pieces", tools, true),
      splits: perEvent(tools),
    },
    { ...c("vllm-n2", "n = 2: choices interleaved, one event per choice per step", n2, true), splits: perEvent(n2) },
    { ...c("vllm-merged-reads", "the whole vLLM stream in one read, as at zero delay", vllm, true), splits: [] },
    {
      ...c("vllm-split-7", "reads of 7 bytes: boundaries mid-event, mid-field, mid-UTF-8 character", vllm, true),
      splits: every(7, vllm),
    },
    { ...c("vllm-split-1", "reads of one byte each", vllm, false), splits: every(1, vllm) },
    {
      ...c("vllm-cut", "the connection drops mid-stream (no [DONE])", cut, true, { error: "Network connection lost." }),
      splits: perEvent(cut),
    },
    {
      ...c(
        "vllm-cut-mid-event",
        "the connection drops in the middle of an event",
        cut.slice(0, cut.length - 40),
        false,
        { error: "Network connection lost." },
      ),
      splits: every(50, cut.slice(0, cut.length - 40)),
    },
    {
      ...c(
        "vllm-stall",
        "the upstream goes quiet after four events: timeout",
        vllm.split("\n\n").slice(0, 4).join("\n\n") + "\n\n",
        true,
        "stall",
      ),
      splits: [],
    },
    {
      ...c(
        "vllm-error-event",
        "vLLM >= 0.10.1 reports a failure mid-stream as {error}",
        vllmErrorEvent(false, vllm),
        true,
      ),
      splits: [],
    },
    {
      ...c("vllm-error-event-flat", "an older vLLM's flat ErrorResponse mid-stream", vllmErrorEvent(true, vllm), false),
      splits: perEvent(vllmErrorEvent(true, vllm)),
    },
    {
      ...c("lorax-text", 'LoRAX: id "null", no usage from upstream; client asked for usage', loraxText(), true),
      splits: perEvent(loraxText()),
    },
    { ...c("lorax-split-5", "LoRAX in reads of 5 bytes", loraxText(), false), splits: every(5, loraxText()) },
    {
      ...c("openai-text", "OpenAI: service_tier, system_fingerprint, obfuscation, usage details", openaiText(), true),
      splits: perEvent(openaiText()),
    },
    {
      ...c("openai-text-no-client-usage", "OpenAI; client did not ask for usage", openaiText(), false),
      splits: every(64, openaiText()),
    },
    {
      ...c("openai-parallel-tools", "OpenAI: two tool calls streamed by index, escaped arguments", openaiTools(), true),
      splits: perEvent(openaiTools()),
    },
    {
      ...c("openai-parallel-tools-split-3", "the same in reads of 3 bytes", openaiTools(), false),
      splits: every(3, openaiTools()),
    },
    {
      ...c("workers-ai", "Workers AI as the provider translates it: empty id and model", workersAi(), false),
      splits: perEvent(workersAi()),
    },
    {
      ...c(
        "python-shaped",
        "spaces, \\u escapes, CRLF, a comment, an event line, data without a space, a two-line data field",
        pythonShaped(),
        true,
      ),
      splits: every(11, pythonShaped()),
    },
    {
      ...c(
        "reorders",
        "JSON that parsing and writing again changes: integer-like key, exponent, trailing space, duplicate id, lone surrogate, missing id",
        reorders(),
        false,
      ),
      splits: perEvent(reorders()),
    },
    {
      ...c("malformed-event", "an event that is not JSON between good ones", malformed(), true),
      splits: perEvent(malformed()),
    },
  ];
  void cases;
  return all;
}
