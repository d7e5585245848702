// What one upstream SSE event means, decided from its parsed JSON: the text
// to send the client (id, model and created made the gateway's, usage kept
// or dropped as the client asked) and what it adds to the log's capture.
// This is the exact reference the byte path (sse-rewriter.ts) must match; it
// still handles every event the byte scan refuses, and every event before
// the first token (whose arrival time the record keeps).
import type { CompletionCapture } from "../logging/completion-capture";
import { sseData } from "../providers/sse";

export interface ChunkIdentity {
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
}

/** What the events seen so far add up to. */
export interface StreamFlags {
  sawDone: boolean;
  usageSent: boolean;
  upstreamError: string | null;
  /** The upstream sent its own error event, already passed on to the client. */
  errorForwarded: boolean;
}

export const MALFORMED_EVENT = "upstream sent a malformed stream event";

type Choice = { index?: number; delta?: never; finish_reason?: string | null };

/** Adds a parsed chunk's deltas, finish reasons and usage to the capture. */
function capture(chunk: Record<string, unknown>, into: CompletionCapture): Choice[] {
  into.noteUpstreamId(chunk.id);
  const choices = (chunk.choices ?? []) as Choice[];
  // One choice per event as servers stream n > 1; each assembles apart.
  for (const choice of choices) {
    const one = into.choice(choice.index ?? 0);
    one.addDelta(choice.delta);
    if (choice.finish_reason) one.finishReason = choice.finish_reason;
  }
  if (chunk.usage) into.usage = chunk.usage as never;
  return choices;
}

/** The client's text for one event's data ("" for none). Throws on a chunk of the wrong shape, ending the stream. */
export function rewriteEvent(data: string, who: ChunkIdentity, flags: StreamFlags, into: CompletionCapture): string {
  if (data === "[DONE]") {
    flags.sawDone = true;
    return "";
  }
  let chunk: Record<string, unknown>;
  try {
    chunk = JSON.parse(data);
  } catch {
    flags.upstreamError = MALFORMED_EVENT;
    return "";
  }
  if (chunk.error) {
    // vLLM reports mid-stream failures as a data event with an error body.
    const e = chunk.error as { message?: string };
    flags.upstreamError = e.message ?? JSON.stringify(chunk.error);
    flags.errorForwarded = true;
    return sseData(chunk);
  }
  const choices = capture(chunk, into);
  if (!who.includeUsage && "usage" in chunk) {
    // The gateway always asks the upstream for usage (for the log); a
    // client that did not ask gets OpenAI's shape without it.
    if (choices.length === 0) return "";
    delete chunk.usage;
  } else if (chunk.usage) {
    flags.usageSent = true;
  }
  chunk.id = who.id;
  chunk.model = who.model;
  chunk.created = who.created;
  return sseData(chunk);
}

/**
 * Adds one event's data to the capture only (the log's copy, read after the
 * stream). Throws where rewriteEvent throws, so a reading of the copy stops
 * where the stream did.
 */
export function captureEvent(data: string, into: CompletionCapture, includeUsage: boolean): void {
  if (data === "[DONE]") return;
  let chunk: Record<string, unknown>;
  try {
    chunk = JSON.parse(data);
  } catch {
    return;
  }
  if (chunk.error) return;
  capture(chunk, into);
  if (!includeUsage) void ("usage" in chunk);
}
