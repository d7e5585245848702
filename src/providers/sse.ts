// Server-sent events as OpenAI streams them: `data: <json>\n\n`, ending in
// `data: [DONE]\n\n`. Shared by every provider and the stream capture.
const encoder = new TextEncoder();

export const SSE_DONE = "data: [DONE]\n\n";

export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

export function encodeSSE(value: unknown): Uint8Array {
  return encoder.encode(sseData(value));
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
} as const;
