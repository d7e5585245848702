// Calls the Worker in-process (same isolate, same module instances as the
// test), so a test controls the Request's AbortSignal, can swap bindings
// (e.g. a fake AI) and can wait for everything passed to waitUntil.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createWorker } from "../../../src/index";
import { KEYS } from "./seed";

// One gateway (one app, one registry cache) per test file, as one isolate has;
// resetGateway() starts a fresh one, as a new isolate would.
let current = createWorker();

/** The Worker's handlers (fetch, queue) of the current gateway. */
export const gateway = () => current.handler;

/** The current gateway's registry cache (e.g. to reload it as an admin apply does). */
export const gatewayRegistry = () => current.registry;

/** A new gateway with empty caches: the next request loads everything from D1. */
export function resetGateway(): void {
  current = createWorker();
}

export interface CallOptions {
  key?: string | null;
  headers?: Record<string, string>;
  /** Bindings to override; each call then gets its own env object. */
  env?: Partial<Env>;
  /** One env object to use as is, e.g. shared by concurrent calls as the runtime shares it. */
  bindings?: Env;
  signal?: AbortSignal;
  method?: string;
  /** request.cf as Cloudflare's edge would set it (e.g. { country: "DE" }). */
  cf?: Record<string, unknown>;
}

export async function call(path: string, body?: unknown, options: CallOptions = {}) {
  const headers = new Headers(options.headers);
  const key = options.key === undefined ? KEYS.acme : options.key;
  if (key) headers.set("authorization", `Bearer ${key}`);
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const request = new Request(`http://gateway.test${path}`, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: options.signal,
    ...(options.cf ? { cf: options.cf } : {}),
  });
  const ctx = createExecutionContext();
  // Without overrides, every call gets the same env object, as requests in one isolate do.
  const callEnv = options.bindings ?? (options.env ? ({ ...env, ...options.env } as Env) : env);
  const response = await current.handler.fetch(request as never, callEnv, ctx);
  return { response, settled: () => waitOnExecutionContext(ctx) };
}

export const chat = (body: Record<string, unknown>, options: CallOptions = {}) =>
  call("/v1/chat/completions", { messages: [{ role: "user", content: "hello" }], ...body }, options);

/** Reads an OpenAI SSE body into its JSON events (and whether [DONE] came). */
export async function readSSE(response: Response) {
  const text = await response.text();
  const events = text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => block.slice("data: ".length));
  const done = events.at(-1) === "[DONE]";
  return { events: events.filter((e) => e !== "[DONE]").map((e) => JSON.parse(e)), done, text };
}

/**
 * Polls D1 until the interaction the queue consumer writes shows up. A poll
 * on the condition, not a wait: the real LOG_QUEUE delivers in its own time
 * (max_batch_timeout), and the interval only paces the polling.
 */
export async function waitForInteraction(requestId: string, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare("SELECT * FROM interactions WHERE request_id = ?").bind(requestId).first();
    if (row) return row as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`interaction ${requestId} was not written within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
