// The native mode's endings that need no runtime: bytes pass as sent, a
// stream the upstream closes without [DONE] (or after its own error event)
// is not ended cleanly, and the record gets the answer read from the log branch.
import { describe, expect, it } from "vitest";
import type { StreamEnd } from "../../../src/logging/capture-stream";
import { CompletionCapture } from "../../../src/logging/completion-capture";
import { nativeStream } from "../../../src/stream/native-stream";

const clock = { nowMs: () => 0, monotonicMs: () => 0 };
const event = (content: string) =>
  `data: {"id":"up-1","object":"chat.completion.chunk","created":1,"model":"lora","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;

async function run(text: string) {
  const upstream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(text));
      c.close();
    },
  });
  const capture = new CompletionCapture(() => 0);
  let ended!: (e: StreamEnd) => void;
  const end = new Promise<StreamEnd>((resolve) => (ended = resolve));
  const stream = nativeStream(upstream, {
    includeUsage: false,
    idleTimeoutMs: 60_000,
    capture,
    clock,
    abortUpstream: () => {},
    onEnd: (e) => ended(e),
  });
  const client = await new Response(stream).text();
  return { client, end: await end, capture };
}

describe("nativeStream", () => {
  it("passes the upstream's bytes through as sent and reads the answer for the record", async () => {
    const text = event("Hel") + event("lo") + "data: [DONE]\n\n";
    const { client, end, capture } = await run(text);
    expect(client).toBe(text);
    expect(end).toEqual({ status: "ok" });
    expect(capture.text).toBe("Hello");
  });

  it("ends a stream the upstream closed without [DONE] with the gateway's error event", async () => {
    const { client, end } = await run(event("Hel"));
    expect(client.startsWith(event("Hel"))).toBe(true);
    expect(client).toContain('"code":"upstream_error"');
    expect(end).toEqual({ status: "upstream_error", error: "upstream stream ended before [DONE]" });
  });

  it("adds nothing after the upstream's own error event, and logs upstream_error", async () => {
    const text = event("Hel") + 'data: {"error":{"message":"boom","code":500}}\n\n';
    const { client, end } = await run(text);
    expect(client).toBe(text);
    expect(end).toEqual({ status: "upstream_error", error: "boom" });
  });
});
