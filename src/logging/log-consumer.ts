// LOG_QUEUE consumer: unpacks packed messages, resolves R2 pointers, writes
// the batch to D1 in one idempotent batch, then acks. Any failure retries the
// whole batch through the queue's own retry (max_retries, then the
// dead-letter queue), so a batch is never dropped silently; redelivered
// records are ignored by request id.
import type { InteractionRecord, LogMessage, LogQueueBody } from "./interaction-record";
import { writeInteractions } from "./write-interactions";

async function resolveRecord(env: Env, message: LogMessage): Promise<InteractionRecord> {
  if ("record" in message) return message.record;
  const object = await env.BLOBS.get(message.pointer);
  if (!object) throw new Error(`interaction payload ${message.pointer} is missing from R2`);
  return (await object.json()) as InteractionRecord;
}

/** The LogMessages in one queue message body (text, or JSON from an older producer). */
export function unpack(body: unknown): LogMessage[] {
  const parsed = (typeof body === "string" ? JSON.parse(body) : body) as LogQueueBody;
  return parsed.v === 2 ? parsed.messages : [parsed];
}

export async function handleLogBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  try {
    const messages = batch.messages.flatMap((m) => unpack(m.body));
    const records = await Promise.all(messages.map((m) => resolveRecord(env, m)));
    await writeInteractions(env.DB, records);
    batch.ackAll();
  } catch (error) {
    console.error(
      JSON.stringify({ msg: "interaction batch failed; retrying", size: batch.messages.length, error: String(error) }),
    );
    batch.retryAll({ delaySeconds: 1 });
  }
}
