// The native mode's endings that need no runtime: bytes pass as sent, a
// stream the upstream closes without [DONE], errors (a cut) or sends its own
// error event in is not ended cleanly, and the record gets the answer read
// from the log branch. The runtime's own cut and stall: test/worker/stream-native.test.ts.
import { describe, expect, it } from "vitest";
import type { StreamEnd } from "../../../src/logging/capture-stream";
import { CompletionCapture } from "../../../src/logging/completion-capture";
import { nativeStream } from "../../../src/stream/native-stream";

const clock = { nowMs: () => 0, monotonicMs: () => 0 };
const event = (content: string) =>
  `data: {"id":"up-1","object":"chat.completion.chunk","created":1,"model":"lora","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;

async function run(text: string, cut?: Error) {
  let sent = false;
  // A cut errors the stream after its bytes have been read, as a dropped connection does.
  const upstream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (!sent) {
        sent = true;
        c.enqueue(new TextEncoder().encode(text));
      } else if (cut) c.error(cut);
      else c.close();
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

  it("ends a cut stream with the gateway's error event after the bytes that came, and no [DONE]", async () => {
    const { client, end, capture } = await run(event("Hel"), new Error("connection reset"));
    expect(client.startsWith(event("Hel"))).toBe(true);
    const tail = JSON.parse(client.slice(event("Hel").length).replace(/^data: /, ""));
    expect(tail).toEqual({
      error: {
        message: "The upstream stream broke off: connection reset",
        type: "upstream_error",
        param: null,
        code: "upstream_error",
      },
    });
    expect(client).not.toContain("[DONE]");
    expect(end).toEqual({ status: "upstream_error", error: "connection reset" });
    expect(capture.text).toBe("Hel");
  });

  it("adds nothing after the upstream's own error event when the stream is then cut", async () => {
    const text = event("Hel") + 'data: {"error":{"message":"boom","code":500}}\n\n';
    const { client, end } = await run(text, new Error("connection reset"));
    expect(client).toBe(text);
    expect(end).toEqual({ status: "upstream_error", error: "connection reset" });
  });
});
