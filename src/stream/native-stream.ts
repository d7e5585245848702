// The native stream mode of an upstream (manifest: stream_mode "native"):
// the upstream's bytes go to the client as sent, with no parse, scan or
// rewrite; the chunks keep the upstream's own id and model name (the
// gateway's id stays in x-request-id and the record); an operator opts in
// per upstream. Kept from the rewrite mode (capture-stream.ts): one record
// whatever happens; a stream that breaks after the 200 (a cut, a stall past
// the idle timeout, an end without [DONE] or with the upstream's own error
// event) ends with the gateway's OpenAI error event and no [DONE]; the
// upstream idle timeout; the client-idle limit. Trade-offs: the client gets
// the upstream's usage chunk whether or not it asked (the gateway always
// asks the upstream for usage, for the log), and an upstream's own [DONE]
// has gone out before a later problem can be seen.
//
// How the bytes move: the runtime reads the upstream as it comes (a tee()
// whose second branch it pipes and drains itself, with no JavaScript per
// chunk), so the first branch queues what has arrived; a pull-driven loop of
// ours takes that queue to the client and keeps the same bytes as the log's
// copy. Each read takes everything queued (a BYOB read into one 16 KB
// buffer), and while the upstream sends faster than one read per
// COALESCE_MS the loop waits that long before the next read: a 1 ms token
// stream costs a read and a write per 4 ms, not per token. A token that
// arrives while a read waits goes out at once; one that arrives during a
// pause waits at most COALESCE_MS (as in the rewrite mode); everything up to
// the first token goes out as read. Why not a pipe all the way to the
// client (as this mode first did): in workerd 1.20260426 a pending
// readAtLeast(16 KB) on the log's tee branch held the client's branch back
// until it was filled (the client got the first token, then the rest at the
// end); a pipe into a standard TransformStream that does pass each chunk on
// as it comes costs about 100 µs of CPU per event; and a pipe into the
// runtime's IdentityTransformStream cannot end a cut stream with the error
// event. Figures: docs/streaming.md.
import type { Clock } from "../clock";
import { upstreamStreamBroken, upstreamTimeout } from "../errors";
import type { CompletionCapture } from "../logging/completion-capture";
import { sseData } from "../providers/sse";
import { ByteSink } from "./byte-sink";
import { collectCapture, readLog } from "./collect-capture";
import { StreamWatch, type StreamEnd } from "./stream-watch";

export interface NativeStreamOptions {
  includeUsage: boolean;
  idleTimeoutMs: number;
  clientIdleTimeoutMs?: number;
  capture: CompletionCapture;
  clock: Clock;
  abortUpstream: (reason: string) => void;
  onEnd: (end: StreamEnd, endedAt: number) => void;
}

/** Most bytes one read takes. */
const READ_BYTES = 16 * 1024;
/** Reads come at least this far apart while each finds bytes waiting. */
const COALESCE_MS = 4;
const encoder = new TextEncoder();

type Read = () => Promise<ReadableStreamReadResult<Uint8Array>>;

/**
 * A read of whatever has arrived: BYOB into one reused buffer where the
 * stream is a byte stream (a fetch body in the runtime), else a plain read.
 */
function reads(upstream: ReadableStream<Uint8Array>): { read: Read; cancel: (reason: unknown) => Promise<void> } {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = upstream.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (a JS ReadableStream in unit tests).
  }
  if (byob) {
    const reader = byob;
    let buffer = new Uint8Array(READ_BYTES);
    return {
      read: async () => {
        const next = await reader.read(buffer);
        // The read took the buffer over; its view's buffer is ours again.
        if (next.value) buffer = new Uint8Array(next.value.buffer as ArrayBuffer);
        return next.done ? { done: true, value: undefined } : { done: false, value: next.value! };
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  const reader = upstream.getReader();
  return { read: () => reader.read(), cancel: (reason) => reader.cancel(reason) };
}

/**
 * A tee() branch of `upstream` whose other branch the runtime drains as the
 * bytes come, so this one holds everything that has arrived for a read to
 * take at once (an undrained branch fills only as far as its own reads ask).
 * Nothing bounds that queue: a slow client holds the answer in memory, as
 * the rewrite mode's upstream buffers would (the client limit ends it).
 * The drain must read with no minimum: a pending read with one (readAtLeast,
 * or a Response body's read to the end) makes the tee wait to fill it and
 * holds this branch back too. Outside the runtime (unit tests): `upstream`.
 */
function drained(upstream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const Identity = (globalThis as { IdentityTransformStream?: new () => ReadableWritablePair<Uint8Array, Uint8Array> })
    .IdentityTransformStream;
  if (!Identity) return upstream;
  const [branch, drain] = upstream.tee();
  const sink = new Identity();
  // The runtime's own pipe and read to the end; an upstream error ends them
  // both (the branch sees it too), and the bytes are dropped.
  drain.pipeTo(sink.writable).catch(() => {});
  new Response(sink.readable).arrayBuffer().catch(() => {});
  return branch;
}

export function nativeStream(
  upstream: ReadableStream<Uint8Array>,
  options: NativeStreamOptions,
): ReadableStream<Uint8Array> {
  const { clock, capture } = options;
  const source = reads(drained(upstream));
  // The log's copy, and each read's bytes for the client are cut from it.
  const raw = new ByteSink(READ_BYTES);
  const watch = new StreamWatch({
    clock,
    idleTimeoutMs: options.idleTimeoutMs,
    clientIdleTimeoutMs: options.clientIdleTimeoutMs,
    abortUpstream: options.abortUpstream,
    cancelSource: source.cancel,
    onEnded: (result, endedAt) => {
      collectCapture(raw.view(), capture, options.includeUsage);
      options.onEnd(result, endedAt);
    },
  });
  let firstToken = false;
  let lastReadAt = Number.NEGATIVE_INFINITY;

  /** The gateway's error event (unless the upstream's own went out), then close: no [DONE]. */
  const failWith = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    status: "timeout" | "upstream_error",
    error: string,
  ) => {
    if (!readLog(raw.view(), null, options.includeUsage).errorForwarded) {
      const event = status === "timeout" ? upstreamTimeout(error) : upstreamStreamBroken(error);
      controller.enqueue(encoder.encode(sseData(event.toBody())));
    }
    watch.end({ status, error });
    controller.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        watch.downstream = controller;
      },
      async pull(controller) {
        watch.clientTurnSince = null;
        try {
          // Tokens are coming faster than one read per COALESCE_MS: let more
          // arrive, so the next read takes them all.
          const since = clock.monotonicMs() - lastReadAt;
          if (firstToken && since < COALESCE_MS) {
            await new Promise((resolve) => setTimeout(resolve, COALESCE_MS - since));
            if (watch.ended) return;
          }
          watch.startRead();
          const next = await source.read();
          watch.reading = false;
          if (watch.timedOut) throw watch.idleError();
          if (watch.ended) return;
          if (next.done) {
            const flags = readLog(raw.view(), null, options.includeUsage);
            if (!flags.sawDone || flags.upstreamError) {
              return failWith(
                controller,
                "upstream_error",
                flags.upstreamError ?? "upstream stream ended before [DONE]",
              );
            }
            watch.end({ status: "ok" });
            return controller.close();
          }
          const from = raw.length;
          raw.appendBytes(next.value);
          // The first token's time goes in the record: parse until it is in.
          if (!firstToken) {
            readLog(raw.view(), capture, options.includeUsage);
            firstToken = capture.firstTokenAt !== null;
          }
          // The read's own view may be the reused buffer: the client gets a copy.
          controller.enqueue(raw.view().slice(from));
          // A read that waited for its bytes means the upstream is slower than
          // COALESCE_MS per token: no pause before the next one.
          const readStartedAt = watch.readStartedAt;
          lastReadAt = clock.monotonicMs() - readStartedAt >= COALESCE_MS ? Number.NEGATIVE_INFINITY : readStartedAt;
          watch.clientTurnSince = clock.monotonicMs();
        } catch (error) {
          watch.reading = false;
          const failure = watch.failure(error);
          if (failure) failWith(controller, failure.status, failure.message);
        }
      },
      cancel(reason) {
        return watch.cancelled(reason, reason ? (reason instanceof Error ? reason.message : String(reason)) : null);
      },
    },
    { highWaterMark: 0 },
  );
}
