// Passes an upstream OpenAI SSE stream to the client as it arrives while the
// CompletionCapture assembles a copy. Pull-based with highWaterMark 0, so
// nothing is read from the upstream before the client asks for it (no
// buffering), and a client that goes away cancels the upstream read. Each
// chunk's id and model are rewritten to the gateway's (id = request id).
// `onEnd` is called exactly once: finished, cut, timed out or cancelled.
import { createParser } from "eventsource-parser";
import { sseData, SSE_DONE } from "../providers/sse";
import type { CompletionCapture } from "./completion-capture";

export type StreamEnd =
  | { status: "ok" }
  | { status: "upstream_error" | "timeout" | "client_aborted"; error: string };

export interface CaptureStreamOptions {
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
  promptChars: number;
  /** Longest wait for the next upstream chunk before the stream counts as timed out. */
  idleTimeoutMs: number;
  capture: CompletionCapture;
  /** Aborts the upstream request (timeout or client gone). */
  abortUpstream: (reason: string) => void;
  onEnd: (end: StreamEnd) => void;
}

class IdleTimeout extends Error {}

function readWithTimeout<T>(reader: ReadableStreamDefaultReader<T>, ms: number) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IdleTimeout(`no data from upstream for ${ms} ms`)), ms);
  });
  return Promise.race([reader.read(), timeout]).finally(() => timer !== null && clearTimeout(timer));
}

export function captureStream(upstream: ReadableStream<Uint8Array>, options: CaptureStreamOptions): ReadableStream<Uint8Array> {
  const { capture } = options;
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let out = "";
  let sawDone = false;
  let usageSent = false;
  let upstreamError: string | null = null;
  let ended = false;

  const end = (result: StreamEnd) => {
    if (ended) return;
    ended = true;
    options.onEnd(result);
  };

  const parser = createParser({
    onEvent(event) {
      if (event.data === "[DONE]") {
        sawDone = true;
        return;
      }
      let chunk: Record<string, unknown>;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        upstreamError = "upstream sent a malformed stream event";
        return;
      }
      if (chunk.error) {
        // vLLM reports mid-stream failures as a data event with an error body.
        const e = chunk.error as { message?: string };
        upstreamError = e.message ?? JSON.stringify(chunk.error);
        out += sseData(chunk);
        return;
      }
      const choices = (chunk.choices ?? []) as Array<{ delta?: never; finish_reason?: string | null }>;
      const choice = choices[0];
      if (choice) {
        capture.addDelta(choice.delta);
        if (choice.finish_reason) capture.finishReason = choice.finish_reason;
      }
      if (chunk.usage) capture.usage = chunk.usage as never;
      if (!options.includeUsage && "usage" in chunk) {
        // The gateway always asks the upstream for usage (for the log); a
        // client that did not ask gets OpenAI's shape without it.
        if (choices.length === 0) return;
        delete chunk.usage;
      } else if (chunk.usage) {
        usageSent = true;
      }
      chunk.id = options.id;
      chunk.model = options.model;
      chunk.created = options.created;
      out += sseData(chunk);
    },
  });

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (!sawDone || upstreamError) {
      const error = upstreamError ?? "upstream stream ended before [DONE]";
      if (out) controller.enqueue(encoder.encode(out));
      end({ status: "upstream_error", error });
      controller.error(new Error(error));
      return;
    }
    const usage = capture.finalUsage(options.promptChars);
    if (options.includeUsage && !usageSent) {
      out += sseData({ id: options.id, object: "chat.completion.chunk", created: options.created, model: options.model, choices: [], usage });
    }
    out += SSE_DONE;
    controller.enqueue(encoder.encode(out));
    out = "";
    end({ status: "ok" });
    controller.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const { done, value } = await readWithTimeout(reader, options.idleTimeoutMs);
            if (done) return finish(controller);
            parser.feed(decoder.decode(value, { stream: true }));
            if (out) {
              controller.enqueue(encoder.encode(out));
              out = "";
              return;
            }
          }
        } catch (error) {
          if (ended) return;
          const timedOut = error instanceof IdleTimeout;
          const message = error instanceof Error ? error.message : String(error);
          options.abortUpstream(timedOut ? "timeout" : "upstream failed");
          end({ status: timedOut ? "timeout" : "upstream_error", error: message });
          controller.error(error);
        }
      },
      async cancel(reason) {
        end({ status: "client_aborted", error: `client disconnected${reason ? `: ${String(reason)}` : ""}` });
        options.abortUpstream("client disconnected");
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
