// Reads the log's raw copy of a stream (the upstream's bytes as they came)
// into the capture after the stream: text, tool calls, finish reasons and
// usage, parsed once, off the path that feeds the client. The events are
// taken as the stream path took them: an event the path could not take
// (a chunk of the wrong shape, which ended the stream) ends the reading too,
// and a last event without its blank line is not an event.
import { createParser } from "eventsource-parser";
import type { CompletionCapture } from "../logging/completion-capture";
import { captureEvent } from "./chunk-event";

class Stop extends Error {}

export function collectCapture(raw: Uint8Array, into: CompletionCapture, includeUsage: boolean): void {
  const firstTokenAt = into.firstTokenAt;
  into.reset();
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(event) {
      try {
        captureEvent(event.data, into, includeUsage);
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
  // When the first token came is the stream path's to say: it saw it arrive.
  into.firstTokenAt = firstTokenAt;
}
