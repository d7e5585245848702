// Upstreams disagree on error bodies: vLLM >= 0.10.1 and OpenAI send
// {"error":{message,type,...}}, older vLLM a flat {"object":"error","message"},
// LoRAX and TGI {"error": "...", "error_type": "..."}. One shape comes out.
import type { UpstreamFailure } from "./provider";

export function normalizeErrorBody(status: number, text: string): { message: string; upstreamType: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) || `HTTP ${status}`, upstreamType: null };
  }
  const body = (parsed ?? {}) as Record<string, unknown>;
  const nested = body.error;
  if (nested && typeof nested === "object") {
    const e = nested as Record<string, unknown>;
    return { message: String(e.message ?? `HTTP ${status}`), upstreamType: typeof e.type === "string" ? e.type : null };
  }
  if (typeof nested === "string") {
    return { message: nested, upstreamType: typeof body.error_type === "string" ? body.error_type : null };
  }
  if (typeof body.message === "string") {
    return { message: body.message, upstreamType: typeof body.type === "string" ? body.type : null };
  }
  return { message: `HTTP ${status}`, upstreamType: null };
}

export async function failureFromResponse(response: Response): Promise<UpstreamFailure> {
  const text = await response.text().catch(() => "");
  const { message, upstreamType } = normalizeErrorBody(response.status, text);
  return {
    kind: "http",
    status: response.status,
    message,
    upstreamType,
    retryAfter: response.headers.get("retry-after"),
  };
}
