// OpenAI-compatible multi-LoRA servers (vLLM, LoRAX, TGI, OpenAI fine-tunes).
// They all take the adapter in `model`; the dialect decides the details that
// differ: LoRAX rejects stream_options, so usage is computed by the gateway.
import type { AdapterTarget } from "../routing/compiled";
import { dialectOf, maxStopFor } from "./dialect-capabilities";
import { failureFromResponse } from "./normalize-error";
import type { Provider, UpstreamCall, UpstreamResult } from "./provider";

/** The upstream's static headers and its key: for chat calls and for the runtime LoRA and model-list calls alike. */
export function upstreamHeaders(upstream: AdapterTarget["upstream"], env: Env): Headers {
  const headers = new Headers(upstream.headers ?? {});
  headers.set("content-type", "application/json");
  headers.set("accept", "application/json, text/event-stream");
  const secretName = upstream.api_key_secret;
  if (secretName) {
    const key = (env as unknown as Record<string, unknown>)[secretName];
    if (typeof key === "string" && key) headers.set("authorization", `Bearer ${key}`);
  }
  return headers;
}

export const openAICompatibleProvider: Provider = {
  async complete(target: AdapterTarget, call: UpstreamCall): Promise<UpstreamResult> {
    const body: Record<string, unknown> = { ...call.body, model: target.adapter.served_name, stream: call.stream };
    // The client's own stops fit (plan-chat checked); a tone preset's extra
    // ones are dropped where the dialect takes fewer, the client's kept first.
    const maxStop = maxStopFor(dialectOf(target.upstream));
    if (Array.isArray(body.stop) && body.stop.length > maxStop) body.stop = body.stop.slice(0, maxStop);
    if (call.stream && target.upstream.dialect !== "lorax") {
      body.stream_options = { include_usage: true };
    } else {
      delete body.stream_options;
    }
    // The replica chosen by the caller (src/upstreams); else the one base_url.
    const base = call.replica ?? target.upstream.base_url!.replace(/\/+$/, "");
    const url = `${base}/chat/completions`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: upstreamHeaders(target.upstream, call.env),
        body: JSON.stringify(body),
        signal: call.signal,
      });
    } catch (error) {
      if (call.signal.aborted) throw error;
      return {
        ok: false,
        failure: { kind: "network", message: error instanceof Error ? error.message : String(error) },
      };
    }
    if (!response.ok) return { ok: false, failure: await failureFromResponse(response) };
    return { ok: true, response };
  },
};
