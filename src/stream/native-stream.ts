// The native stream mode of an upstream (manifest: stream_mode "native"):
// the upstream's bytes go to the client as sent, piped by the runtime with
// no JavaScript per chunk, and a tee()'s second branch is read for the log
// in large batches. The chunks keep the upstream's own id and model name
// (the gateway's id stays in x-request-id and the record); an operator opts
// in per upstream. Kept from the rewrite mode (capture-stream.ts): one
// record whatever happens; a stream the upstream ends without [DONE] or with
// its own error event ends with the gateway's OpenAI error event, written
// after the pipe (which does not close the client's stream); the upstream
// idle timeout; the client-idle limit (counted from the upstream's end, as
// the runtime's pipe does not say when the client pulls). NOT kept: after a
// cut or a stall the client's stream is aborted (a network error, which the
// SDKs raise) rather than ended with the error event (see below).
// Trade-offs: the client gets the upstream's usage chunk whether or not it
// asked (the gateway always asks the upstream for usage, for the log), and
// an upstream's own [DONE] has gone out before a later problem can be seen.
// The idle timeout counts time without a completed log read; after the first
// token a read waits for LOG_BATCH bytes, so an upstream slower than
// LOG_BATCH bytes per timeout counts as stalled.
import type { Clock } from "../clock";
import { upstreamStreamBroken } from "../errors";
import type { StreamEnd } from "../logging/capture-stream";
import type { CompletionCapture } from "../logging/completion-capture";
import { sseData } from "../providers/sse";
import { ByteSink } from "./byte-sink";
import { collectCapture, readLog } from "./collect-capture";

export interface NativeStreamOptions {
  includeUsage: boolean;
  idleTimeoutMs: number;
  clientIdleTimeoutMs?: number;
  capture: CompletionCapture;
  clock: Clock;
  abortUpstream: (reason: string) => void;
  onEnd: (end: StreamEnd, endedAt: number) => void;
}

/** Bytes the log branch waits for per read once the first token is in. */
const LOG_BATCH = 16 * 1024;
const CLIENT_IDLE_MS = 20_000;
const encoder = new TextEncoder();

type ByobReader = ReadableStreamBYOBReader & {
  readAtLeast?: (min: number, view: Uint8Array) => Promise<ReadableStreamReadResult<Uint8Array>>;
};

/** workerd's IdentityTransformStream is a native byte pipe; elsewhere (tests in Node) a plain TransformStream. */
function identity(): { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> } {
  const Native = (globalThis as { IdentityTransformStream?: new () => TransformStream<Uint8Array, Uint8Array> })
    .IdentityTransformStream;
  return Native ? new Native() : new TransformStream<Uint8Array, Uint8Array>();
}

export function nativeStream(
  upstream: ReadableStream<Uint8Array>,
  options: NativeStreamOptions,
): ReadableStream<Uint8Array> {
  const { clock, capture } = options;
  const [toClient, toLog] = upstream.tee();
  const { readable, writable } = identity();
  const raw = new ByteSink(16 * 1024);
  const stopPipe = new AbortController();
  const clientIdleMs = options.clientIdleTimeoutMs ?? CLIENT_IDLE_MS;
  let ended = false;
  let lastRead = clock.monotonicMs();
  let logDone = false;
  let timedOut = false;
  let watchdog: ReturnType<typeof setTimeout> | null = null;
  let logEndedAt = 0;

  const end = (result: StreamEnd) => {
    if (ended) return;
    ended = true;
    const endedAt = clock.monotonicMs();
    if (watchdog !== null) clearTimeout(watchdog);
    setTimeout(() => {
      collectCapture(raw.view(), capture, options.includeUsage);
      options.onEnd(result, endedAt);
    }, 0);
  };

  // Upstream silence while the log branch reads, and, once the upstream has
  // ended, a client that leaves the rest of the answer untaken.
  const checkIdle = () => {
    watchdog = null;
    if (ended) return;
    const now = clock.monotonicMs();
    if (!logDone && now - lastRead >= options.idleTimeoutMs) {
      timedOut = true;
      options.abortUpstream("timeout");
      return;
    }
    if (logDone && now - logEndedAt >= clientIdleMs) {
      const error = `client stopped reading for ${clientIdleMs} ms`;
      end({ status: "client_aborted", error });
      stopPipe.abort(new Error(error));
      return;
    }
    const wait = logDone ? clientIdleMs - (now - logEndedAt) : options.idleTimeoutMs - (now - lastRead);
    watchdog = setTimeout(checkIdle, Math.max(1, wait));
  };
  watchdog = setTimeout(checkIdle, options.idleTimeoutMs);

  // The log branch: plain reads until the first token (its arrival time goes
  // in the record), then reads of at least LOG_BATCH bytes.
  const log = (async (): Promise<string | null> => {
    let reader: ReadableStreamDefaultReader<Uint8Array> | ByobReader = toLog.getReader();
    let batched = false;
    try {
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array>;
        if (!batched) next = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
        else next = await (reader as unknown as ByobReader).readAtLeast!(LOG_BATCH, new Uint8Array(LOG_BATCH * 2));
        lastRead = clock.monotonicMs();
        if (next.done) return null;
        raw.appendBytes(next.value!);
        if (!batched && capture.firstTokenAt === null) {
          readLog(raw.view(), capture, options.includeUsage);
          if (capture.firstTokenAt !== null) batched = switchToBatches();
        }
      }
    } catch (error) {
      return timedOut
        ? `no data from upstream for ${options.idleTimeoutMs} ms`
        : error instanceof Error
          ? error.message
          : String(error);
    } finally {
      logDone = true;
      logEndedAt = clock.monotonicMs();
    }

    function switchToBatches(): boolean {
      try {
        reader.releaseLock();
        const byob = toLog.getReader({ mode: "byob" }) as ByobReader;
        if (typeof byob.readAtLeast !== "function") {
          byob.releaseLock();
          reader = toLog.getReader();
          return false;
        }
        reader = byob;
        return true;
      } catch {
        reader = toLog.getReader();
        return false;
      }
    }
  })();

  /** After a pipe that ended cleanly: the gateway's error event when the upstream's stream was not whole, then close. */
  const finishWith = async (failure: { status: "upstream_error"; error: string } | null) => {
    const writer = writable.getWriter();
    if (failure && !readLog(raw.view(), null, options.includeUsage).errorForwarded) {
      writer.write(encoder.encode(sseData(upstreamStreamBroken(failure.error).toBody()))).catch(() => {});
    }
    end(failure ?? { status: "ok" });
    await writer.close().catch(() => {});
  };

  // A cut or a stall errors the upstream's stream: the runtime's pipe then
  // aborts the client's stream (workerd 1.20260426's pipe neither settles nor
  // heeds its signal once its source errors, so no event can follow it), and
  // the log branch, which sees the same error, ends the record.
  void log.then((broken) => {
    if (broken === null || ended) return;
    options.abortUpstream(timedOut ? "timeout" : "upstream failed");
    end({ status: timedOut ? "timeout" : "upstream_error", error: broken });
  });

  toClient.pipeTo(writable, { preventClose: true, signal: stopPipe.signal }).then(
    async () => {
      const broken = await log;
      if (ended || broken !== null) return;
      const flags = readLog(raw.view(), null, options.includeUsage);
      if (!flags.sawDone || flags.upstreamError) {
        return finishWith({
          status: "upstream_error",
          error: flags.upstreamError ?? "upstream stream ended before [DONE]",
        });
      }
      return finishWith(null);
    },
    (error) => {
      if (ended) return;
      // The upstream was fine when the pipe failed: the client went away.
      end({
        status: "client_aborted",
        error: `client disconnected: ${error instanceof Error ? error.message : String(error)}`,
      });
      options.abortUpstream("client disconnected");
    },
  );
  return readable;
}
