// Dev upstream: a stand-in for an OpenAI-compatible multi-LoRA server (vLLM
// with --enable-lora and runtime LoRA updating) used by `npm start`, the tests
// and the benchmarks. It loads and unloads LoRAs at runtime
// (/v1/load_lora_adapter, /v1/unload_lora_adapter; see lora-store.ts), lists
// what it holds in /v1/models and answers vLLM's 404 for a LoRA it does not
// hold. `POST /_dev/fail {"mode":"503"}` makes every /v1 call fail until
// `{"mode":"off"}`, so a test can take a replica down and bring it back.
// Web standards only (no node: imports), so the same app runs in Node or in
// workerd. Replies are deterministic and say what arrived (adapter, system
// prompt, last user message) so tests can assert what the gateway sent;
// `x-dev-*` request headers add latency or inject failures. Errors use
// vLLM >= 0.10.1's shape: {"error":{"message","type","param","code":<status>}}.
// Limit: the `x-dev-echo` response header grows with the prompt; HTTP clients
// cap response headers (undici: 16 KiB), so echo small requests only.
import { Hono } from "hono";
import { LoraStore } from "./lora-store";

export type DevUpstreamOptions = {
  /** LoRA names the server starts with (vLLM's --lora-modules names). */
  models: string[];
  /** Runtime-loaded LoRAs kept at once (vLLM's --max-loras); the least recently used is evicted. Default 8. */
  maxLoras?: number;
  baseModels?: string[];
  /** LoRA name -> base model, shown as `parent` in /v1/models (default: first base). */
  parents?: Record<string, string>;
  /** Millisecond clock, injectable so `created` is deterministic in tests. */
  now?: () => number;
};

type Message = { role?: unknown; content?: unknown };
type ChatBody = Record<string, unknown> & { model: string; messages: Message[] };
type ToolCall = { id: string; name: string; args: string };
type Finish = "stop" | "length" | "tool_calls";
type Plan = {
  id: string;
  created: number;
  model: string;
  pieces: string[];
  content: string | null;
  toolCall?: ToolCall;
  finish: Finish;
  promptTokens: number;
  includeUsage: boolean;
  firstTokenMs: number;
  tokenMs: number;
  cut: boolean;
  /** Choices to answer (the request's n): choice i > 0 ends in " #i", so each is told apart. */
  n: number;
};

/** The pieces of choice `i`. */
const piecesOf = (p: Plan, i: number) => (i === 0 || p.toolCall ? p.pieces : [...p.pieces, ` #${i}`]);

class VllmError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
  toResponse(headers?: Record<string, string>): Response {
    const error = { message: this.message, type: this.type, param: this.param, code: this.status };
    return Response.json({ error }, { status: this.status, headers });
  }
}
const badRequest = (message: string, param: string | null = null) =>
  new VllmError(400, "BadRequestError", message, param);
const modelNotFound = (model: string) =>
  new VllmError(404, "NotFoundError", `The model \`${model}\` does not exist.`, "model");
const INJECTED: Record<string, [number, string]> = {
  "500": [500, "InternalServerError"],
  "503": [503, "ServiceUnavailableError"],
  "429": [429, "RateLimitError"],
};
const FAIL_MODES = new Set([...Object.keys(INJECTED), "hang", "cut", "stall-body", "bad-lora"]);
/** How long a stall-body answer waits between its two halves: longer than any test's timeout. */
const STALL_BODY_MS = 60_000;
/** Pause before erroring a cut stream, so Node adapters have already sent the headers. */
const CUT_GRACE_MS = 25;

// Whitespace-preserving word tokens: joining them gives back the text.
const tokenize = (text: string): string[] => text.match(/\S+\s*/g) ?? [];
const head = (text: string, n = 80) => (text.length > n ? `${text.slice(0, n)}…` : text);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (typeof p?.text === "string" ? p.text : "")).join(" ");
}

/** FNV-1a, hex: deterministic ids without crypto. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

function base64url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(): DOMException {
  return new DOMException("dev upstream: the client aborted the request", "AbortError");
}

function msHeader(req: Request, name: string): number {
  const raw = req.headers.get(name);
  if (raw === null) return 0;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw badRequest(`${name} must be a non-negative number of ms`);
  return ms;
}

function parseBody(raw: string): ChatBody {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw badRequest("Request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("Request body must be a JSON object.");
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || !b.model) throw badRequest("Field required: model", "model");
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw badRequest("Field required: messages", "messages");
  if (!b.messages.every((m) => typeof m === "object" && m !== null && typeof m.role === "string"))
    throw badRequest("Each message must be an object with a role.", "messages");
  for (const key of ["max_tokens", "max_completion_tokens"]) {
    const v = b[key];
    if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 1))
      throw badRequest(`${key} must be an integer >= 1`, key);
  }
  return b as ChatBody;
}

/** Picks the tool to call when tool_choice forces one; undefined means answer with text. */
function forcedTool(body: ChatBody): string | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  if (tools.length === 0) return undefined;
  const choice = body.tool_choice as { type?: string; function?: { name?: string } } | string | undefined;
  if (choice === "required") return tools[0]?.function?.name ?? "tool";
  if (typeof choice === "object" && choice?.type === "function" && choice.function?.name) return choice.function.name;
  return undefined;
}

/**
 * The failure to inject into this request, if any. With x-dev-fail-count K,
 * only the first K requests sharing an x-dev-fail-key fail (for retry tests).
 */
function activeFailure(req: Request, failuresByKey: Map<string, number>): string | null {
  const fail = req.headers.get("x-dev-fail");
  if (fail === null) return null;
  if (!FAIL_MODES.has(fail)) throw badRequest(`unknown x-dev-fail: ${fail}`);
  const countHeader = req.headers.get("x-dev-fail-count");
  if (countHeader === null) return fail;
  const count = Number(countHeader);
  if (!Number.isInteger(count) || count < 0) throw badRequest("x-dev-fail-count must be an integer >= 0");
  const key = req.headers.get("x-dev-fail-key") ?? "";
  const done = failuresByKey.get(key) ?? 0;
  if (done >= count) return null;
  failuresByKey.set(key, done + 1);
  return fail;
}

/** The deterministic answer: a forced tool call, or text quoting what arrived. */
function planReply(
  body: ChatBody,
  isLora: boolean,
  base: Pick<Plan, "id" | "created" | "firstTokenMs" | "tokenMs" | "cut">,
): Plan {
  const { messages, model } = body;
  const system = messages.find((m) => m.role === "system" || m.role === "developer");
  const lastUser = messages.findLast((m) => m.role === "user");
  const userText = lastUser ? textOf(lastUser.content) : "";
  const common = {
    ...base,
    model,
    promptTokens: messages.reduce((n, m) => n + tokenize(textOf(m.content)).length, 0),
    includeUsage: (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true,
    n: typeof body.n === "number" && Number.isInteger(body.n) ? Math.min(Math.max(body.n, 1), 16) : 1,
  };
  const toolName = forcedTool(body);
  if (toolName) {
    const args = JSON.stringify({ echo: userText.slice(0, 80) });
    const toolCall = { id: `call_${hash(`${model}\n${toolName}\n${args}`)}`, name: toolName, args };
    return { ...common, pieces: tokenize(args), content: null, toolCall, finish: "tool_calls" };
  }
  const label = isLora ? `adapter ${model}` : `base ${model}`;
  const sys = system ? `"${head(textOf(system.content))}"` : "(none)";
  const said = lastUser ? `"${head(userText)}"` : "(none)";
  const all = tokenize(`[${label}] system: ${sys} | you said: ${said} | ok.`);
  const limit = (body.max_completion_tokens ?? body.max_tokens) as number | null | undefined;
  const pieces = typeof limit === "number" && limit < all.length ? all.slice(0, limit) : all;
  return { ...common, pieces, content: pieces.join(""), finish: pieces.length < all.length ? "length" : "stop" };
}

// What x-dev-echo reports: the fields a test asserts arrived upstream.
const ECHOED = [
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "tools",
  "tool_choice",
  "user",
  "stream",
  "stream_options",
] as const;

function echoOf(body: ChatBody): string {
  const echoed: Record<string, unknown> = Object.fromEntries(ECHOED.map((key) => [key, body[key]]));
  echoed.keys = Object.keys(body).sort();
  return base64url(JSON.stringify(echoed));
}

function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** One SSE event per yield; each waits its own delay, so tokens really trickle out. */
async function* streamEvents(p: Plan, signal: AbortSignal): AsyncGenerator<string> {
  const usageNull = p.includeUsage ? { usage: null } : {};
  const chunk = (delta: object, finish: Finish | null = null, index = 0) =>
    sse({
      id: p.id,
      object: "chat.completion.chunk",
      created: p.created,
      model: p.model,
      choices: [{ index, delta, logprobs: null, finish_reason: finish }],
      ...usageNull,
    });
  const choices = Array.from({ length: p.n }, (_, c) => c);
  await sleep(p.firstTokenMs, signal);
  for (const c of choices)
    yield chunk(p.toolCall ? { role: "assistant" } : { role: "assistant", content: "" }, null, c);
  if (p.toolCall) {
    const { id, name } = p.toolCall;
    for (const c of choices) {
      yield chunk({ tool_calls: [{ index: 0, id, type: "function", function: { name, arguments: "" } }] }, null, c);
    }
  }
  // As vLLM streams n > 1: one event per choice per step, interleaved.
  const steps = Math.max(...choices.map((c) => piecesOf(p, c).length));
  for (let i = 0; i < steps; i++) {
    if (p.cut && i === 3) break;
    if (i > 0) await sleep(p.tokenMs, signal);
    for (const c of choices) {
      const piece = piecesOf(p, c)[i];
      if (piece === undefined) continue;
      yield chunk(
        p.toolCall ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { content: piece },
        null,
        c,
      );
    }
  }
  if (p.cut) {
    await sleep(CUT_GRACE_MS, signal);
    throw new Error("dev upstream: connection cut mid-stream (x-dev-fail: cut)");
  }
  for (const c of choices) yield chunk({}, p.finish, c);
  if (p.includeUsage)
    yield sse({
      id: p.id,
      object: "chat.completion.chunk",
      created: p.created,
      model: p.model,
      choices: [],
      usage: usageOf(p),
    });
  yield "data: [DONE]\n\n";
}

function usageOf(p: Plan) {
  let completion = 0;
  for (let c = 0; c < p.n; c++) completion += piecesOf(p, c).length;
  return { prompt_tokens: p.promptTokens, completion_tokens: completion, total_tokens: p.promptTokens + completion };
}

function completionJson(p: Plan): string {
  const tool_calls = p.toolCall
    ? [{ id: p.toolCall.id, type: "function", function: { name: p.toolCall.name, arguments: p.toolCall.args } }]
    : undefined;
  return JSON.stringify({
    id: p.id,
    object: "chat.completion",
    created: p.created,
    model: p.model,
    choices: Array.from({ length: p.n }, (_, index) => ({
      index,
      message: { role: "assistant", content: p.content === null ? null : piecesOf(p, index).join(""), tool_calls },
      logprobs: null,
      finish_reason: p.finish,
    })),
    usage: usageOf(p),
  });
}

/**
 * A body fed from an async generator one pull at a time (highWaterMark 0):
 * nothing is produced before the reader asks, and a cancel stops the timers.
 * A client abort ends the body quietly; any other failure errors it (= cut).
 */
function bodyFrom(
  produce: (signal: AbortSignal) => AsyncGenerator<string>,
  requestSignal: AbortSignal,
): ReadableStream<Uint8Array> {
  const stop = new AbortController();
  const signal = AbortSignal.any([requestSignal, stop.signal]);
  const events = produce(signal);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await events.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (err) {
          if (signal.aborted) controller.close();
          else controller.error(err);
        }
      },
      cancel() {
        stop.abort(abortError());
      },
    },
    { highWaterMark: 0 },
  );
}

export function createDevUpstream(options: DevUpstreamOptions): Hono {
  const loras = new LoraStore({ preloaded: options.models, maxLoras: options.maxLoras });
  const bases = new Set(options.baseModels ?? []);
  let down = false;
  /** Chat requests refused while down, since the last /_dev/fail. */
  let refused = 0;
  const now = options.now ?? Date.now;
  const failuresByKey = new Map<string, number>();
  let stats = { requests: 0, byModel: {} as Record<string, number> };
  let completions = 0;
  const app = new Hono();

  app.get("/healthz", (c) => c.json({ ok: true }));

  // A replica taken down by a test answers every /v1 call with 503.
  app.use("/v1/*", async (c, next) => {
    if (down && (c.req.path !== "/v1/chat/completions" || ++refused))
      return new VllmError(503, "ServiceUnavailableError", "dev upstream: down (/_dev/fail)").toResponse();
    await next();
  });

  app.post("/v1/load_lora_adapter", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { lora_name?: unknown; lora_path?: unknown } | null;
    if (typeof body?.lora_name !== "string" || !body.lora_name)
      throw badRequest("Field required: lora_name", "lora_name");
    if (typeof body.lora_path !== "string" || !body.lora_path)
      throw badRequest("Field required: lora_path", "lora_path");
    await sleep(msHeader(c.req.raw, "x-dev-load-ms"), c.req.raw.signal);
    const error = loras.load(body.lora_name, body.lora_path);
    if (error) throw new VllmError(error.status, error.type, error.message);
    return c.text(`Success: LoRA adapter '${body.lora_name}' added successfully.`);
  });

  app.post("/v1/unload_lora_adapter", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { lora_name?: unknown } | null;
    if (typeof body?.lora_name !== "string" || !body.lora_name)
      throw badRequest("Field required: lora_name", "lora_name");
    const error = loras.unload(body.lora_name);
    if (error) throw new VllmError(error.status, error.type, error.message);
    return c.text(`Success: LoRA adapter '${body.lora_name}' removed successfully.`);
  });

  app.get("/v1/models", (c) => {
    const created = Math.floor(now() / 1000);
    const firstBase = options.baseModels?.[0] ?? null;
    const card = (id: string, parent: string | null) => ({
      id,
      object: "model",
      created,
      owned_by: "vllm",
      root: id,
      parent,
      max_model_len: 8192,
    });
    const data = [
      ...[...bases].map((id) => card(id, null)),
      ...loras
        .list()
        .filter((id) => !bases.has(id))
        .map((id) => card(id, options.parents?.[id] ?? firstBase)),
    ];
    return c.json({ object: "list", data });
  });

  app.get("/_dev/stats", (c) => c.json(stats));
  app.get("/_dev/loras", (c) => c.json(loras.counts()));
  app.post("/_dev/fail", async (c) => {
    const mode = ((await c.req.json().catch(() => ({}))) as { mode?: unknown }).mode;
    if (mode !== "503" && mode !== "off") throw badRequest('mode must be "503" or "off"', "mode");
    down = mode === "503";
    refused = 0;
    return c.json({ ok: true, down });
  });
  app.get("/_dev/fail", (c) => c.json({ down, refused }));
  app.post("/_dev/reset", (c) => {
    stats = { requests: 0, byModel: {} };
    failuresByKey.clear();
    return c.json({ ok: true });
  });

  app.post("/v1/chat/completions", async (c) => {
    const req = c.req.raw;
    const signal = req.signal; // read now: Node adapters create it lazily
    stats.requests++;
    const body = parseBody(await req.text());
    stats.byModel[body.model] = (stats.byModel[body.model] ?? 0) + 1;
    const headers: Record<string, string> = {};
    if (req.headers.get("x-dev-echo") === "1") headers["x-dev-echo"] = echoOf(body);

    const fail = activeFailure(req, failuresByKey);
    if (fail && fail in INJECTED) {
      const [status, type] = INJECTED[fail];
      if (status === 429) headers["retry-after"] = "1";
      return new VllmError(status, type, `dev upstream: injected ${status} (x-dev-fail)`).toResponse(headers);
    }
    if (fail === "hang") {
      await new Promise<never>((_, reject) => {
        if (signal.aborted) reject(abortError());
        signal.addEventListener("abort", () => reject(abortError()), { once: true });
      });
    }
    const isLora = loras.use(body.model);
    if ((!isLora && !bases.has(body.model)) || fail === "bad-lora")
      return modelNotFound(body.model).toResponse(headers);

    const full = planReply(body, isLora, {
      id: `chatcmpl-dev-${++completions}`,
      created: Math.floor(now() / 1000),
      firstTokenMs: msHeader(req, "x-dev-first-token-ms"),
      tokenMs: msHeader(req, "x-dev-token-ms"),
      cut: fail === "cut",
    });

    if (body.stream === true) {
      return new Response(
        bodyFrom((s) => streamEvents(full, s), signal),
        {
          headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
        },
      );
    }
    await sleep(full.firstTokenMs + full.tokenMs * full.pieces.length, signal).catch(() => {
      throw abortError();
    });
    const json = completionJson(full);
    headers["content-type"] = "application/json";
    if (fail === "stall-body") {
      // Headers and half the body, then silence: a timeout must cover the body too.
      return new Response(
        bodyFrom(async function* (s) {
          yield json.slice(0, Math.floor(json.length / 2));
          await sleep(STALL_BODY_MS, s);
          yield json.slice(Math.floor(json.length / 2));
        }, signal),
        { headers },
      );
    }
    if (!full.cut) return new Response(json, { headers });
    return new Response(
      bodyFrom(async function* (s) {
        yield json.slice(0, Math.floor(json.length / 2));
        await sleep(CUT_GRACE_MS, s);
        throw new Error("dev upstream: connection cut mid-body (x-dev-fail: cut)");
      }, signal),
      { headers },
    );
  });

  app.notFound(() => Response.json({ detail: "Not Found" }, { status: 404 }));
  app.onError((err) => {
    if (err instanceof VllmError) return err.toResponse();
    // An aborted request has no one to answer: reject, as fetch() would.
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    return new VllmError(500, "InternalServerError", `dev upstream: ${err.message}`).toResponse();
  });
  return app;
}
