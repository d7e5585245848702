// Reads the log's raw copy of a stream (the upstream's bytes as they came)
// into the capture after the stream: text, tool calls, finish reasons and
// usage, parsed once, off the path that feeds the client. The events are
// taken as the stream path took them: an event the path could not take
// (a chunk of the wrong shape, which ended the stream) ends the reading too,
// and a last event without its blank line is not an event.
import { createParser } from "eventsource-parser";
import { CompletionCapture } from "../logging/completion-capture";
import { captureEvent, MALFORMED_EVENT, type StreamFlags } from "./chunk-event";

class Stop extends Error {}

/** Parses the raw copy into `into` (emptied first; a scratch capture when null) and says how the stream ended. */
export function readLog(raw: Uint8Array, into: CompletionCapture | null, includeUsage: boolean): StreamFlags {
  const capture = into ?? new CompletionCapture(() => 0);
  capture.reset();
  const flags: StreamFlags = { sawDone: false, usageSent: false, upstreamError: null, errorForwarded: false };
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent({ data }) {
      try {
        if (data === "[DONE]") flags.sawDone = true;
        else if (flags.upstreamError === null) noteError(data, flags);
        captureEvent(data, capture, includeUsage);
      } catch {
        throw new Stop();
      }
    },
  });
  try {
    parser.feed(decoder.decode(raw, { stream: true }));
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  return flags;
}

/** An upstream error event or a malformed one, as the stream path reports it. */
function noteError(data: string, flags: StreamFlags): void {
  let chunk: { error?: { message?: string } };
  try {
    chunk = JSON.parse(data);
  } catch {
    flags.upstreamError = MALFORMED_EVENT;
    return;
  }
  if (chunk?.error) {
    flags.upstreamError = chunk.error.message ?? JSON.stringify(chunk.error);
    flags.errorForwarded = true;
  }
}

/** The capture from the raw copy; when the first token came is the stream path's to say (it saw it arrive). */
export function collectCapture(raw: Uint8Array, into: CompletionCapture, includeUsage: boolean): void {
  const firstTokenAt = into.firstTokenAt;
  readLog(raw, into, includeUsage);
  into.firstTokenAt = firstTokenAt;
}
