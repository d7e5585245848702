// Sends one planned chat request and reports what the client saw: the
// status, the gateway's x-request-id, and how the answer ended (read whole,
// a stream's [DONE], an error event after the 200, a cut, or abandoned by us
// on purpose). Aborts use an AbortController on Node's fetch (undici), which
// closes the connection, as a browser tab or a killed process would.
import { requestBody, type PlannedRequest } from "./mix";

export type ClientEnd =
  /** The whole answer: a non-streamed body, or a stream through [DONE]. */
  | "answered"
  /** A stream that sent its 200, then an OpenAI error event (an upstream cut). */
  | "error-event"
  /** The body stopped without [DONE] or an error event, not by our doing. */
  | "cut"
  /** Abandoned on purpose (abort-early, abort-mid). */
  | "aborted"
  /** Still unanswered after --request-timeout: abandoned. */
  | "timeout"
  /** fetch failed before any answer, not by our doing. */
  | "network-error";

export interface Outcome {
  req: PlannedRequest;
  /** HTTP status, null when no headers arrived. */
  status: number | null;
  /** The gateway's id for this request (x-request-id), when headers arrived. */
  gatewayId: string | null;
  /** error.code of an error body or of a stream's error event. */
  errorCode: string | null;
  /** The answer named an adapter (x-switchyard-adapter): the gateway got as far as an upstream call. */
  routed: boolean;
  /**
   * wrangler dev's proxy answered 503 "Your worker restarted mid-request"
   * because its call to the gateway's worker failed: whether the gateway saw
   * the request is unknown, so it may or may not owe a record.
   */
  devProxyError?: boolean;
  end: ClientEnd;
  ms: number;
  detail?: string;
}

function errorCodeOf(text: string): string | null {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    return parsed.error ? String(parsed.error.code ?? "unknown") : null;
  } catch {
    return null;
  }
}

/** Reads an SSE body; for abort-mid, abandons it at the first token of content. */
async function readStream(
  body: ReadableStream<Uint8Array>,
  abortAtFirstToken: () => boolean,
): Promise<{ end: "answered" | "error-event" | "cut" | "aborted"; errorCode: string | null }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let errorCode: string | null = null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { end: errorCode ? "error-event" : "cut", errorCode };
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") {
        await reader.cancel().catch(() => {});
        return { end: errorCode ? "error-event" : "answered", errorCode };
      }
      const code = errorCodeOf(data);
      if (code) errorCode = code;
      else if (data.includes('"content":"') && !data.includes('"content":""') && abortAtFirstToken())
        return { end: "aborted", errorCode: null };
    }
  }
}

export async function sendPlanned(base: string, key: string, req: PlannedRequest, timeoutMs: number): Promise<Outcome> {
  const controller = new AbortController();
  let aborting: "ours" | "timeout" | null = null;
  const abort = (why: "ours" | "timeout") => {
    aborting ??= why;
    controller.abort();
    return true;
  };
  const timers = [setTimeout(() => abort("timeout"), timeoutMs)];
  if (req.abortAfterMs !== undefined) timers.push(setTimeout(() => abort("ours"), req.abortAfterMs));
  const headers: Record<string, string> = {
    authorization: `Bearer ${key}`,
    "content-type": "application/json",
    "x-client-request-id": req.clientId,
  };
  if (req.audience) headers["x-switchyard-audience"] = req.audience;
  const started = performance.now();
  let routed = false;
  const outcome = (o: Omit<Outcome, "req" | "ms" | "routed">): Outcome => ({
    req,
    ms: performance.now() - started,
    routed,
    ...o,
  });
  const whenThrown = (error: unknown, status: number | null, gatewayId: string | null): Outcome => {
    if (aborting)
      return outcome({ status, gatewayId, errorCode: null, end: aborting === "ours" ? "aborted" : "timeout" });
    const detail = error instanceof Error ? `${error.message}${error.cause ? `: ${String(error.cause)}` : ""}` : "";
    return outcome({ status, gatewayId, errorCode: null, end: status === null ? "network-error" : "cut", detail });
  };
  let res: Response;
  try {
    res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify(requestBody(req)),
      signal: controller.signal,
    });
  } catch (error) {
    timers.forEach(clearTimeout);
    return whenThrown(error, null, null);
  }
  const status = res.status;
  const gatewayId = res.headers.get("x-request-id");
  routed = res.headers.has("x-switchyard-adapter");
  try {
    const isStream = (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (req.kind === "abort-early" && isStream) {
      // Headers are out, the first token is not (it comes 200 ms later): leave now.
      abort("ours");
      return outcome({ status, gatewayId, errorCode: null, end: "aborted" });
    }
    if (isStream && res.body) {
      const read = await readStream(res.body, () => req.kind === "abort-mid" && abort("ours"));
      return outcome({ status, gatewayId, ...read });
    }
    const text = await res.text();
    const errorCode = res.ok ? null : errorCodeOf(text);
    // An error that is not the gateway's JSON came from something in front of it: keep its words.
    const detail = res.ok || errorCode ? undefined : text.slice(0, 160).replace(/\s+/g, " ");
    const devProxyError = status === 503 && !gatewayId && text.includes("restarted mid-request");
    return outcome({ status, gatewayId, errorCode, end: "answered", detail, devProxyError });
  } catch (error) {
    return whenThrown(error, status, gatewayId);
  } finally {
    timers.forEach(clearTimeout);
  }
}
