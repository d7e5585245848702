// The idle watchdog counts only time spent waiting on the upstream, never
// time the client takes to pull (a slow reader is not an upstream timeout).
import { describe, expect, it } from "vitest";
import { captureStream, type StreamEnd } from "../../../src/logging/capture-stream";
import { systemClock } from "../../../src/clock";
import { CompletionCapture } from "../../../src/logging/completion-capture";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const event = (content: string) =>
  `data: ${JSON.stringify({ id: "up", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`;

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>) {
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += new TextDecoder().decode(value);
  }
}

describe("captureStream idle watchdog", () => {
  it("does not time out a client that pauses after a coalesced write while the upstream has finished", async () => {
    const encoder = new TextEncoder();
    let upstreamController!: ReadableStreamDefaultController<Uint8Array>;
    const upstream = new ReadableStream<Uint8Array>({ start: (c) => void (upstreamController = c) });
    const ends: StreamEnd[] = [];
    const aborts: string[] = [];
    const capture = new CompletionCapture(() => performance.now());
    const reader = captureStream(upstream, {
      id: "req-1",
      model: "task@v1",
      created: 1,
      includeUsage: false,
      promptChars: 2,
      idleTimeoutMs: 200,
      capture,
      clock: systemClock,
      abortUpstream: (reason) => aborts.push(reason),
      onEnd: (end) => ends.push(end),
    }).getReader();

    upstreamController.enqueue(encoder.encode(event("a")));
    await reader.read(); // the first token goes out at once
    upstreamController.enqueue(encoder.encode(event("b"))); // read next, well within 4 ms of that write: held
    setTimeout(() => {
      upstreamController.enqueue(encoder.encode(event("c") + "data: [DONE]\n\n"));
      upstreamController.close();
    }, 50);
    const flushed = await reader.read(); // the held write is flushed; a read of the upstream stays in flight
    expect(new TextDecoder().decode(flushed.value)).toContain('"content":"b"');
    await sleep(600); // the client pauses three idle timeouts long; the upstream finished at 50 ms
    const rest = await readAll(reader);

    expect(ends).toEqual([{ status: "ok" }]);
    expect(aborts).toEqual([]);
    expect(rest).toContain("data: [DONE]");
    expect(capture.text).toBe("abc");
  });

  it("still times out an upstream that goes quiet", async () => {
    const encoder = new TextEncoder();
    const upstream = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(encoder.encode(event("a"))) });
    const ends: StreamEnd[] = [];
    const aborts: string[] = [];
    const reader = captureStream(upstream, {
      id: "req-2",
      model: "task@v1",
      created: 1,
      includeUsage: false,
      promptChars: 2,
      idleTimeoutMs: 100,
      capture: new CompletionCapture(() => performance.now()),
      clock: systemClock,
      abortUpstream: (reason) => aborts.push(reason),
      onEnd: (end) => ends.push(end),
    }).getReader();
    await reader.read();
    await expect(readAll(reader)).rejects.toThrow("no data from upstream for 100 ms");
    expect(ends).toEqual([{ status: "timeout", error: "no data from upstream for 100 ms" }]);
    expect(new Set(aborts)).toEqual(new Set(["timeout"]));
  });
});
