// The "floor" of the ablation ladder (variants.ts): the least work any
// gateway that rewrites answers must do: read the JSON body, fetch the
// upstream, and hand back the answer with `id` and `model` replaced (a
// non-streamed answer parsed and re-encoded; a stream through the gateway's
// own captureStream). No auth, validation, routing, tone, fallback, feedback
// token or log. The ladder's variants copy this file into their src/ as
// src/bench-floor.ts and answer with it from a later and later point of the
// real request path, so each step prices one layer of the gateway.
// Never bundled into the shipped Worker.
import { captureStream } from "../../src/logging/capture-stream";
import { CompletionCapture } from "../../src/logging/completion-capture";

interface ManifestsDb {
  prepare(sql: string): { first<T>(): Promise<T | null> };
}

/** The part of an upstream the floor uses; `headers` carry e.g. the bench's --token-ms pacing. */
interface FloorUpstream {
  base_url?: string;
  headers?: Record<string, string>;
}

interface FloorTarget {
  adapter: { served_name: string };
  upstream: FloorUpstream;
}

const FLOOR_ID = "chatcmpl-floor";
const FLOOR_MODEL = "support";
let firstUpstream: Promise<FloorUpstream> | null = null;

/** The first openai-compatible upstream in the registry, read once per isolate. */
function registryUpstream(db: ManifestsDb): Promise<FloorUpstream> {
  firstUpstream ??= db
    .prepare("SELECT body FROM manifests ORDER BY tenant_id, version DESC LIMIT 1")
    .first<{ body: string }>()
    .then((row) => {
      const manifest = JSON.parse(row?.body ?? "{}") as { upstreams?: (FloorUpstream & { kind?: string })[] };
      const upstream = manifest.upstreams?.find((u) => u.kind === "openai-compatible" && u.base_url);
      if (!upstream) throw new Error("bench floor: no openai-compatible upstream in the registry");
      return upstream;
    });
  return firstUpstream;
}

/** Answers from the upstream's response: a stream through captureStream, a completion re-encoded. */
export async function rewriteAnswer(upstream: Response, stream: boolean, text?: string | null): Promise<Response> {
  // A failed upstream must not count as a cheap answer: the ablation only counts 2xx.
  if (!upstream.ok) throw new Error(`bench floor: upstream answered ${upstream.status}`);
  if (stream) {
    const body = captureStream(upstream.body!, {
      id: FLOOR_ID,
      model: FLOOR_MODEL,
      created: Math.floor(Date.now() / 1000),
      includeUsage: false,
      promptChars: 0,
      idleTimeoutMs: 60_000,
      capture: new CompletionCapture(() => performance.now()),
      abortUpstream: () => {},
      onEnd: () => {},
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }
  const completion = JSON.parse(text ?? (await upstream.text())) as Record<string, unknown>;
  completion.id = FLOOR_ID;
  completion.model = FLOOR_MODEL;
  return new Response(JSON.stringify(completion), { headers: { "content-type": "application/json" } });
}

async function fetchUpstream(to: FloorUpstream, body: Record<string, unknown>): Promise<Response> {
  if (body.stream) body.stream_options = { include_usage: true };
  const upstream = await fetch(`${to.base_url!.replace(/\/+$/, "")}/chat/completions`, {
    method: "POST",
    headers: { ...to.headers, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify(body),
  });
  return rewriteAnswer(upstream, body.stream === true);
}

/** `body` already names the served adapter in `model` (the ladder sends it the pass-through's body). */
export async function floorAnswer(db: ManifestsDb, body: Record<string, unknown>): Promise<Response> {
  return fetchUpstream(await registryUpstream(db), { ...body });
}

/** After planning: the plan's primary target and upstream body, fetched directly. */
export function plannedFloorAnswer(plan: {
  targets: readonly FloorTarget[];
  upstreamBody: Record<string, unknown>;
  stream: boolean;
}): Promise<Response> {
  const [target] = plan.targets;
  const body = { ...plan.upstreamBody, model: target.adapter.served_name, stream: plan.stream };
  return fetchUpstream(target.upstream, body);
}

/** The whole Worker of the `floor` variant: no Hono, nothing but floorAnswer. */
export async function floorFetch(request: Request, env: { DB: ManifestsDb }): Promise<Response> {
  return floorAnswer(env.DB, (await request.json()) as Record<string, unknown>);
}
