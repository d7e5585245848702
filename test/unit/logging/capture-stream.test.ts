// The idle watchdog counts only time spent waiting on the upstream, never
// time the client takes to pull (a slow reader is not an upstream timeout).
// Fake timers drive the watchdog and the write coalescing, so the tests say
// exactly when each thing happens and no machine is too slow for them.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { captureStream, type StreamEnd } from "../../../src/logging/capture-stream";
import type { Clock } from "../../../src/clock";
import { CompletionCapture } from "../../../src/logging/completion-capture";
import { settled } from "../helpers/settled";

// Reads the Date that vi's fake timers control, as message-packer.test.ts does.
const fakeClock: Clock = { nowMs: () => Date.now(), monotonicMs: () => Date.now() };
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
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("does not time out a client that pauses after a coalesced write while the upstream has finished", async () => {
    const encoder = new TextEncoder();
    let upstreamController!: ReadableStreamDefaultController<Uint8Array>;
    const upstream = new ReadableStream<Uint8Array>({ start: (c) => void (upstreamController = c) });
    const ends: StreamEnd[] = [];
    const aborts: string[] = [];
    const capture = new CompletionCapture(fakeClock.monotonicMs);
    const reader = captureStream(upstream, {
      id: "req-1",
      model: "task@v1",
      created: 1,
      includeUsage: false,
      promptChars: 2,
      idleTimeoutMs: 200,
      capture,
      clock: fakeClock,
      abortUpstream: (reason) => aborts.push(reason),
      onEnd: (end) => ends.push(end),
    }).getReader();

    upstreamController.enqueue(encoder.encode(event("a")));
    await reader.read(); // the first token goes out at once
    upstreamController.enqueue(encoder.encode(event("b"))); // read next, within 4 ms of that write: held
    const flushed = reader.read();
    expect(await settled(flushed)).toBe(false);
    await vi.advanceTimersByTimeAsync(4); // the held write is flushed; a read of the upstream stays in flight
    expect(new TextDecoder().decode((await flushed).value)).toContain('"content":"b"');
    await vi.advanceTimersByTimeAsync(46);
    upstreamController.enqueue(encoder.encode(event("c") + "data: [DONE]\n\n")); // the upstream finishes at 50 ms
    upstreamController.close();
    await vi.advanceTimersByTimeAsync(600); // the client pauses three idle timeouts long before it reads again
    expect(ends).toEqual([]);
    const rest = await readAll(reader);
    await vi.advanceTimersByTimeAsync(1); // onEnd runs in a task after the end, with the capture filled

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
      capture: new CompletionCapture(fakeClock.monotonicMs),
      clock: fakeClock,
      abortUpstream: (reason) => aborts.push(reason),
      onEnd: (end) => ends.push(end),
    }).getReader();
    await reader.read();
    const rest = readAll(reader);
    await vi.advanceTimersByTimeAsync(99);
    expect(await settled(rest)).toBe(false);
    expect(ends).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(rest)).toBe(true);
    // The stream ends with an error event the SDKs raise, not a read error.
    expect(await rest).toContain('"code":"upstream_timeout"');
    expect(await rest).not.toContain("[DONE]");
    await vi.advanceTimersByTimeAsync(1);
    expect(ends).toEqual([{ status: "timeout", error: "no data from upstream for 100 ms" }]);
    expect(new Set(aborts)).toEqual(new Set(["timeout"]));
  });
});

describe("captureStream: a client that stops reading without cancelling", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function open(idleTimeoutMs = 60_000) {
    const encoder = new TextEncoder();
    let upstream!: ReadableStreamDefaultController<Uint8Array>;
    const source = new ReadableStream<Uint8Array>({ start: (c) => void (upstream = c) });
    const ends: StreamEnd[] = [];
    const aborts: string[] = [];
    const reader = captureStream(source, {
      id: "req-gone",
      model: "task@v1",
      created: 1,
      includeUsage: false,
      promptChars: 2,
      idleTimeoutMs,
      capture: new CompletionCapture(fakeClock.monotonicMs),
      clock: fakeClock,
      abortUpstream: (reason) => aborts.push(reason),
      onEnd: (end) => ends.push(end),
    }).getReader();
    const send = (text: string) => upstream.enqueue(encoder.encode(event(text)));
    return { reader, send, ends, aborts };
  }

  it("ends as client_aborted once output sat untaken for 20 s, and cancels the upstream", async () => {
    const { reader, send, ends, aborts } = open();
    send("a");
    await reader.read(); // the client takes the first token, then never pulls again (and never cancels)
    send("b");
    await vi.advanceTimersByTimeAsync(19_999);
    expect(ends).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_001);
    expect(ends).toEqual([{ status: "client_aborted", error: "client stopped reading for 20000 ms" }]);
    expect(aborts).toContain("client gone");
  });

  it("keeps a slow client that still reads every 15 s", async () => {
    const { reader, send, ends } = open();
    for (let i = 0; i < 6; i++) {
      send(`t${i}`);
      await reader.read();
      await vi.advanceTimersByTimeAsync(15_000);
    }
    expect(ends).toEqual([]);
  });
});
