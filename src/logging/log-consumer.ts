// LOG_QUEUE consumer: unpacks packed messages, resolves R2 pointers and
// writes the records to D1 idempotently (ON CONFLICT DO NOTHING), then acks.
//
// Fast path: the whole batch, in groups of at most GROUP_BYTES of record
// JSON held at once (a pack can carry 50 R2 pointers to records of several
// hundred KB each; the isolate has 128 MB). If anything fails, each message
// is handled on its own: written whole, or record by record to find the
// ones D1 refuses, so one bad record (say, a row over D1's 2 MB) holds back
// only its own message. That message is retried through the queue
// (max_retries, then the dead-letter queue); its other records are written
// already and are ignored when it comes back.
import type { InteractionRecord, LogMessage, LogQueueBody } from "./interaction-record";
import { writeInteractions } from "./write-interactions";

const GROUP_BYTES = 8 * 1024 * 1024;
const RETRY_DELAY_SECONDS = 1;

/** The LogMessages in one queue message body (text, or JSON from an older producer). */
export function unpack(body: unknown): LogMessage[] {
  const parsed = (typeof body === "string" ? JSON.parse(body) : body) as LogQueueBody;
  return parsed.v === 2 ? parsed.messages : [parsed];
}

/** One queue message's records, and about how many bytes of JSON they take. */
async function resolveMessage(env: Env, body: unknown): Promise<{ records: InteractionRecord[]; bytes: number }> {
  let bytes = typeof body === "string" ? body.length : 0;
  const records = await Promise.all(
    unpack(body).map(async (message) => {
      if ("record" in message) return message.record;
      const object = await env.BLOBS.get(message.pointer);
      if (!object) throw new Error(`interaction payload ${message.pointer} is missing from R2`);
      bytes += object.size;
      return (await object.json()) as InteractionRecord;
    }),
  );
  return { records, bytes };
}

async function writeAll(env: Env, messages: readonly Message<unknown>[]): Promise<void> {
  let group: InteractionRecord[] = [];
  let bytes = 0;
  for (const message of messages) {
    const resolved = await resolveMessage(env, message.body);
    group.push(...resolved.records);
    bytes += resolved.bytes;
    if (bytes >= GROUP_BYTES) {
      await writeInteractions(env.DB, group);
      group = [];
      bytes = 0;
    }
  }
  await writeInteractions(env.DB, group);
}

/** Writes one message's records; throws, after writing all the others, if some cannot be written. */
async function writeMessage(env: Env, body: unknown): Promise<void> {
  const { records } = await resolveMessage(env, body);
  try {
    await writeInteractions(env.DB, records);
    return;
  } catch (error) {
    if (records.length === 1) throw error;
  }
  const refused: string[] = [];
  let lastError: unknown = null;
  for (const record of records) {
    try {
      await writeInteractions(env.DB, [record]);
    } catch (error) {
      refused.push(record.request_id);
      lastError = error;
    }
  }
  if (refused.length > 0) throw new Error(`D1 refused ${refused.join(", ")}: ${String(lastError)}`);
}

export async function handleLogBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  try {
    await writeAll(env, batch.messages);
    batch.ackAll();
    return;
  } catch (error) {
    console.error(
      JSON.stringify({
        msg: "interaction batch failed; writing message by message",
        size: batch.messages.length,
        error: String(error),
      }),
    );
  }
  for (const message of batch.messages) {
    try {
      await writeMessage(env, message.body);
      message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({
          msg: "interaction message failed; retrying it",
          message_id: message.id,
          attempts: message.attempts,
          error: String(error),
        }),
      );
      message.retry({ delaySeconds: RETRY_DELAY_SECONDS });
    }
  }
}
