// Sends an interaction record to LOG_QUEUE off the hot path (the caller wraps
// this in ctx.waitUntil). Queues take at most 128 KB per message, so a larger
// record goes to R2 first and the message carries its key. If the queue
// refuses, the record is written to D1 directly: a log is never dropped.
import type { InteractionRecord, LogMessage } from "./interaction-record";
import { writeInteractions } from "./write-interactions";

// Below the 128 KB limit, leaving room for the queue's own envelope.
export const MAX_INLINE_BYTES = 120 * 1024;

export function blobKeyFor(record: Pick<InteractionRecord, "tenant_id" | "request_id">): string {
  return `interactions/${record.tenant_id}/${record.request_id}.json`;
}

export async function enqueueInteraction(env: Env, record: InteractionRecord): Promise<void> {
  try {
    const inline = JSON.stringify({ v: 1, record } satisfies LogMessage);
    // A UTF-8 byte is at most 3 per UTF-16 unit: most records are clearly small
    // and skip the encoding pass.
    if (inline.length * 3 <= MAX_INLINE_BYTES || new TextEncoder().encode(inline).byteLength <= MAX_INLINE_BYTES) {
      // Sent as text: the record is serialized once, here, not again by the queue.
      await env.LOG_QUEUE.send(inline, { contentType: "text" });
      return;
    }
    const pointer = blobKeyFor(record);
    await env.BLOBS.put(pointer, JSON.stringify(record), { httpMetadata: { contentType: "application/json" } });
    const message: LogMessage = { v: 1, pointer, request_id: record.request_id, tenant_id: record.tenant_id };
    await env.LOG_QUEUE.send(message, { contentType: "json" });
  } catch (error) {
    console.error(
      JSON.stringify({
        msg: "log queue send failed; writing directly",
        request_id: record.request_id,
        error: String(error),
      }),
    );
    await writeInteractions(env.DB, [record]);
  }
}
