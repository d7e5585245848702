// LOG_QUEUE consumer: resolves R2 pointers, writes the batch to D1 in one
// idempotent batch, then acks. Any failure retries the whole batch through
// the queue's own retry (max_retries, then the dead-letter queue), so a batch
// is never dropped silently; redelivered records are ignored by request id.
import type { InteractionRecord, LogMessage } from "./interaction-record";
import { writeInteractions } from "./write-interactions";

async function resolveRecord(env: Env, body: unknown): Promise<InteractionRecord> {
  const message = (typeof body === "string" ? JSON.parse(body) : body) as LogMessage;
  if ("record" in message) return message.record;
  const object = await env.BLOBS.get(message.pointer);
  if (!object) throw new Error(`interaction payload ${message.pointer} is missing from R2`);
  return (await object.json()) as InteractionRecord;
}

export async function handleLogBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  try {
    const records = await Promise.all(batch.messages.map((m) => resolveRecord(env, m.body)));
    await writeInteractions(env.DB, records);
    batch.ackAll();
  } catch (error) {
    console.error(
      JSON.stringify({ msg: "interaction batch failed; retrying", size: batch.messages.length, error: String(error) }),
    );
    batch.retryAll({ delaySeconds: 1 });
  }
}
