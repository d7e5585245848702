// The native stream mode of an upstream (manifest: stream_mode "native"):
// the upstream's bytes go to the client as sent, piped by the runtime with
// no JavaScript of ours per chunk, and a tee()'s second branch is read for
// the log in large batches. The chunks keep the upstream's own id and model
// name (the gateway's id stays in x-request-id and the record); an operator
// opts in per upstream. Kept from the rewrite mode (capture-stream.ts): one
// record whatever happens; a stream that breaks after the 200 (a cut, a
// stall past the idle timeout, an end without [DONE] or with the upstream's
// own error event) ends with the gateway's OpenAI error event and no [DONE];
// the upstream idle timeout; the client-idle limit (counted from the
// upstream's end, as the runtime's pipe does not say when the client pulls).
// Trade-offs: the client gets the upstream's usage chunk whether or not it
// asked (the gateway always asks the upstream for usage, for the log), and
// an upstream's own [DONE] has gone out before a later problem can be seen.
// The idle timeout counts time without a completed log read; after the first
// token a read waits for LOG_BATCH bytes, so an upstream slower than
// LOG_BATCH bytes per timeout counts as stalled.
import type { Clock } from "../clock";
import { upstreamStreamBroken, upstreamTimeout } from "../errors";
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

export function nativeStream(
  upstream: ReadableStream<Uint8Array>,
  options: NativeStreamOptions,
): ReadableStream<Uint8Array> {
  const { clock, capture } = options;
  const [toClient, toLog] = upstream.tee();
  // The client's stream: a standard TransformStream with no transform (the
  // runtime moves each chunk; no JavaScript of ours runs per chunk), piped
  // into with preventAbort, so that after the upstream fails it is still
  // open and the gateway's error event can follow. workerd 1.20260426's
  // IdentityTransformStream cannot do that: a pipe into it that fails (source
  // error or abort signal) aborts it, or with preventAbort leaves its writable
  // errored and its readable hanging; and one IdentityTransformStream cannot
  // be piped into another ("Inter-TransformStream pipeTo"). Its price in the
  // paced bench: docs/streaming.md (the per-event tax did not rise).
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>({
    cancel: (reason: unknown) => clientLeft(reason),
  } as Transformer<Uint8Array, Uint8Array>);
  const raw = new ByteSink(16 * 1024);
  const stopPipe = new AbortController();
  const clientIdleMs = options.clientIdleTimeoutMs ?? CLIENT_IDLE_MS;
  let ended = false;
  let lastRead = clock.monotonicMs();
  let logDone = false;
  let timedOut = false;
  let watchdog: ReturnType<typeof setTimeout> | null = null;
  let logEndedAt = 0;
  let clientStopped = false;
  let clientGone = false;

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
      clientStopped = true;
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

  function clientLeft(reason: unknown) {
    if (clientGone) return;
    clientGone = true;
    end({
      status: "client_aborted",
      error: `client disconnected${reason ? `: ${reason instanceof Error ? reason.message : String(reason)}` : ""}`,
    });
    options.abortUpstream("client disconnected");
  }

  const writableErrored = () => {
    const writer = writable.getWriter();
    const errored = writer.desiredSize === null;
    writer.releaseLock();
    return errored;
  };

  /**
   * Ends the client's stream after the pipe: the gateway's error event
   * (unless the upstream's own went out), then close, so no [DONE] follows.
   */
  const finish = async (event: Uint8Array | null, result: StreamEnd | null) => {
    const writer = writable.getWriter();
    if (event && !readLog(raw.view(), null, options.includeUsage).errorForwarded) {
      writer.write(event).catch(() => {});
    }
    if (result) end(result);
    await writer.close().catch(() => {});
  };
  const errorEvent = (error: { toBody: () => unknown }) => encoder.encode(sseData(error.toBody()));

  // A cut or a stall errors the upstream's stream: the log branch, which
  // sees the same error, ends the record, and the pipe's rejection writes
  // the error event.
  void log.then((broken) => {
    if (broken === null || ended) return;
    options.abortUpstream(timedOut ? "timeout" : "upstream failed");
    end({ status: timedOut ? "timeout" : "upstream_error", error: broken });
  });

  toClient.pipeTo(writable, { preventClose: true, preventAbort: true, signal: stopPipe.signal }).then(
    async () => {
      const broken = await log;
      if (ended || broken !== null) return;
      const flags = readLog(raw.view(), null, options.includeUsage);
      if (!flags.sawDone || flags.upstreamError) {
        const error = flags.upstreamError ?? "upstream stream ended before [DONE]";
        return finish(errorEvent(upstreamStreamBroken(error)), { status: "upstream_error", error });
      }
      return finish(null, { status: "ok" });
    },
    async (error) => {
      // The client stopped reading after the upstream's end: its stream errors.
      if (clientStopped) return void writable.abort(error).catch(() => {});
      // The client cancelled its stream (clientLeft), or a runtime without
      // the transformer's cancel hook errored it.
      if (clientGone) return;
      if (writableErrored()) return clientLeft(error);
      // Otherwise the upstream failed, and the log branch has the same error.
      const broken = (await log) ?? (error instanceof Error ? error.message : String(error));
      return finish(errorEvent(timedOut ? upstreamTimeout(broken) : upstreamStreamBroken(broken)), null);
    },
  );
  return readable;
}
