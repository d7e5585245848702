// vLLM's runtime LoRA API, one call per function (server started with
// VLLM_ALLOW_RUNTIME_LORA_UPDATING=True): POST /v1/load_lora_adapter
// {lora_name, lora_path}, POST /v1/unload_lora_adapter {lora_name}, and
// GET /v1/models, which lists the base model and the LoRAs it holds (those
// carry `parent`). Loading a name that is already loaded is a 400 from vLLM;
// for the gateway that is the state it wanted, so it counts as loaded.
import { upstreamHeaders } from "../providers/openai-compatible";
import { normalizeErrorBody } from "../providers/normalize-error";
import type { Upstream } from "../schemas/manifest";

export type LoraCallResult = { ok: true; status: number } | { ok: false; status: number | null; message: string };

const ALREADY_LOADED = /already (been )?loaded/i;
const NOT_LOADED = /not (been )?(found|loaded)|does not exist/i;

async function post(
  replica: string,
  path: string,
  upstream: Readonly<Upstream>,
  env: Env,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; message: string } | { status: null; message: string }> {
  try {
    const response = await fetch(`${replica}${path}`, {
      method: "POST",
      headers: upstreamHeaders(upstream, env),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, message: response.ok ? "" : normalizeErrorBody(response.status, text).message };
  } catch (error) {
    return { status: null, message: error instanceof Error ? error.message : String(error) };
  }
}

export async function loadLora(
  replica: string,
  upstream: Readonly<Upstream>,
  env: Env,
  lora: { name: string; path: string },
): Promise<LoraCallResult> {
  const r = await post(
    replica,
    "/load_lora_adapter",
    upstream,
    env,
    { lora_name: lora.name, lora_path: lora.path },
    upstream.timeout_ms,
  );
  if (r.status !== null && (r.status < 300 || (r.status === 400 && ALREADY_LOADED.test(r.message)))) {
    return { ok: true, status: r.status };
  }
  return { ok: false, status: r.status, message: r.message || `HTTP ${r.status}` };
}

export async function unloadLora(
  replica: string,
  upstream: Readonly<Upstream>,
  env: Env,
  name: string,
): Promise<LoraCallResult> {
  const r = await post(replica, "/unload_lora_adapter", upstream, env, { lora_name: name }, upstream.timeout_ms);
  // Not held there (never loaded, or evicted): the state retiring wants.
  if (r.status !== null && (r.status < 300 || ((r.status === 400 || r.status === 404) && NOT_LOADED.test(r.message)))) {
    return { ok: true, status: r.status };
  }
  return { ok: false, status: r.status, message: r.message || `HTTP ${r.status}` };
}

/** The LoRA names a replica holds (model cards with a `parent`), or why they could not be read. */
export async function listLoras(
  replica: string,
  upstream: Readonly<Upstream>,
  env: Env,
): Promise<{ ok: true; names: string[] } | { ok: false; message: string }> {
  try {
    const response = await fetch(`${replica}/models`, {
      headers: upstreamHeaders(upstream, env),
      signal: AbortSignal.timeout(upstream.timeout_ms),
    });
    if (!response.ok) {
      return { ok: false, message: normalizeErrorBody(response.status, await response.text()).message };
    }
    const body = (await response.json()) as { data?: { id?: unknown; parent?: unknown }[] };
    const names: string[] = [];
    for (const card of body.data ?? []) {
      if (typeof card.id === "string" && typeof card.parent === "string" && card.parent) names.push(card.id);
    }
    return { ok: true, names };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** vLLM's answer for a LoRA it does not hold: 404 NotFoundError "The model `x` does not exist." */
export function isLoraNotLoaded(failure: {
  kind: string;
  status?: number;
  upstreamType?: string | null;
  message?: string;
}) {
  return (
    failure.kind === "http" &&
    failure.status === 404 &&
    (failure.upstreamType === "NotFoundError" || /does not exist/i.test(failure.message ?? ""))
  );
}
