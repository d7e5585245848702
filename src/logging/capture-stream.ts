// Passes an upstream OpenAI SSE stream to the client as it arrives and keeps
// the raw bytes as the log's copy. Pull-based with highWaterMark 0, so
// nothing is read from the upstream before the client asks for it (no
// buffering), and a client that goes away cancels the upstream read. Each
// chunk's id, model and created are rewritten to the gateway's (id = request
// id) on the bytes (stream/sse-rewriter.ts); the answer is read from the raw
// copy into the CompletionCapture once the stream has ended, after the
// client's last write (stream/collect-capture.ts).
// `onEnd` is called exactly once, with the capture complete: finished, cut,
// timed out or cancelled.
// A stream that breaks after the 200 went out ends with an OpenAI-shaped
// `data: {"error": …}` event and no [DONE], so the SDKs raise instead of
// returning the partial text as if it were whole (openai-node throws an
// APIError on a data event that carries `error`).
import { sseData, SSE_DONE } from "../providers/sse";
import type { Clock } from "../clock";
import { upstreamStreamBroken, upstreamTimeout } from "../errors";
import { ByteSink } from "../stream/byte-sink";
import { collectCapture } from "../stream/collect-capture";
import { SseRewriter } from "../stream/sse-rewriter";
import { StreamWatch, type StreamEnd } from "../stream/stream-watch";
import type { CompletionCapture } from "./completion-capture";

export type { StreamEnd } from "../stream/stream-watch";

export interface CaptureStreamOptions {
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
  promptChars: number;
  /** Longest wait for the next upstream chunk before the stream counts as timed out. */
  idleTimeoutMs: number;
  /**
   * Longest the client may leave written output untaken before it counts as
   * gone (default 20 s). A runtime or proxy that loses the client without
   * cancelling the body just stops pulling; without this the stream never
   * ends and its record is never logged. Under the 30 s that waitUntil work
   * gets after a disconnect, so the record still goes out.
   */
  clientIdleTimeoutMs?: number;
  capture: CompletionCapture;
  /** Times the idle watchdog and write coalescing. */
  clock: Clock;
  /** Aborts the upstream request (timeout or client gone). */
  abortUpstream: (reason: string) => void;
  /**
   * Called once, in a task of its own after the end (so the client's last
   * bytes go out first), with the capture filled; endedAt is
   * clock.monotonicMs() when the stream ended.
   */
  onEnd: (end: StreamEnd, endedAt: number) => void;
}

// Write coalescing: output produced within COALESCE_MS of the last write to
// the client waits (at most that long) and goes out with whatever follows
// it. Each write costs far more CPU than its bytes (a call into the runtime),
// and a burst of tokens is common after a pause. Everything up to and
// including the first token is written at once (time to first token is
// unchanged), and so is a token arriving later than that after the last
// write, as from any model streaming at human speed.
const COALESCE_MS = 4;
const COALESCE_BYTES = 16 * 1024;
const FLUSH = Symbol("flush");

export function captureStream(
  upstream: ReadableStream<Uint8Array>,
  options: CaptureStreamOptions,
): ReadableStream<Uint8Array> {
  const { capture, clock } = options;
  const reader = upstream.getReader();
  const rewriter = new SseRewriter(options, capture);
  const { flags, out } = rewriter;
  // The log's copy: the upstream's bytes as they came, copied (a read is a
  // view of a 4 KB buffer of the runtime's; keeping the views would hold
  // every one of those until the record is built).
  const raw = new ByteSink();
  let collected = false;
  const collect = () => {
    if (collected) return;
    collected = true;
    // Events before the first token filled the capture already; when every event was parsed, it is whole.
    if (rewriter.scanned) collectCapture(raw.view(), capture, options.includeUsage);
  };
  const watch = new StreamWatch({
    clock,
    idleTimeoutMs: options.idleTimeoutMs,
    clientIdleTimeoutMs: options.clientIdleTimeoutMs,
    abortUpstream: options.abortUpstream,
    cancelSource: (reason) => reader.cancel(reason),
    onEnded: (result, endedAt) => {
      collect();
      options.onEnd(result, endedAt);
    },
  });

  let inFlight: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  let lastWrite = 0;
  // Until the first token is out, nothing waits (time to first token).
  let tokenWritten = false;
  let flushAt: Promise<typeof FLUSH> | null = null;

  // No .then() wrapper per read: a read's outcome is checked where it is
  // awaited (one promise fewer per chunk). A read the watchdog cancelled
  // resolves as done, so `timedOut` is checked first.
  const read = () => {
    watch.startRead();
    return reader.read();
  };
  const readSettled = () => {
    watch.reading = false;
  };

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (!flags.sawDone || flags.upstreamError) {
      failWith(controller, "upstream_error", flags.upstreamError ?? "upstream stream ended before [DONE]");
      return;
    }
    if (options.includeUsage && !flags.usageSent) {
      // The usage the client asked for and the upstream did not send is counted from the whole answer.
      collect();
      out.appendString(
        sseData({
          id: options.id,
          object: "chat.completion.chunk",
          created: options.created,
          model: options.model,
          choices: [],
          usage: capture.finalUsage(options.promptChars),
        }),
      );
    }
    out.appendString(SSE_DONE);
    closeWith(controller, { status: "ok" });
  };

  /** Sends what is held and closes the client's stream. */
  const closeWith = (controller: ReadableStreamDefaultController<Uint8Array>, result: StreamEnd) => {
    if (out.length) controller.enqueue(out.take());
    watch.end(result);
    controller.close();
  };

  /** Ends in OpenAI's error event (unless the upstream's own was passed on) and closes: the client reads an error, not a cut. */
  const failWith = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    status: "timeout" | "upstream_error",
    error: string,
  ) => {
    if (!flags.errorForwarded) {
      const event = status === "timeout" ? upstreamTimeout(error) : upstreamStreamBroken(error);
      out.appendString(sseData(event.toBody()));
    }
    closeWith(controller, { status, error });
  };

  const write = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    controller.enqueue(out.take());
    lastWrite = clock.monotonicMs();
    watch.clientTurnSince = lastWrite;
    flushAt = null;
    tokenWritten ||= capture.firstTokenAt !== null;
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        watch.downstream = controller;
      },
      async pull(controller) {
        watch.clientTurnSince = null;
        try {
          for (;;) {
            const pending = inFlight ?? read();
            inFlight = null;
            const next = flushAt ? await Promise.race([pending, flushAt]) : await pending;
            if (next === FLUSH) {
              // Held output is due; the read stays in flight for the next pull.
              // Once it settles the upstream has answered, so a client that is
              // slow to pull again must not count as upstream idle time.
              pending.then(readSettled, readSettled);
              inFlight = pending;
              return write(controller);
            }
            watch.reading = false;
            if (watch.timedOut) throw watch.idleError();
            if (next.done) return finish(controller);
            raw.appendBytes(next.value);
            rewriter.feed(next.value);
            if (!out.length) continue;
            const sinceWrite = clock.monotonicMs() - lastWrite;
            if (!tokenWritten || sinceWrite >= COALESCE_MS || out.length >= COALESCE_BYTES) return write(controller);
            flushAt ??= new Promise((resolve) => setTimeout(() => resolve(FLUSH), COALESCE_MS - sinceWrite));
          }
        } catch (error) {
          const failure = watch.failure(error);
          if (failure) failWith(controller, failure.status, failure.message);
        }
      },
      cancel(reason) {
        return watch.cancelled(reason, reason ? String(reason) : null);
      },
    },
    { highWaterMark: 0 },
  );
}
