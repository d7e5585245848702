// LOG_QUEUE consumer: unpacks packed messages, resolves R2 pointers and
// writes the records to D1 idempotently (ON CONFLICT DO NOTHING), then acks.
//
// Fast path: the whole batch, written in groups of at most GROUP_BYTES of
// record JSON. R2-held records are fetched one at a time and their size is
// checked before the body is read, so memory stays near GROUP_BYTES even
// when a pack carries 50 pointers to records of several MB.
//
// If anything fails, each message is handled on its own: written whole, or
// record by record to find the ones D1 refuses, so one bad record holds back
// only its own message, which the queue retries (max_retries, then the
// dead-letter queue); its other records are written already and ignored when
// it comes back. After GIVE_UP_AFTER writes in a row fail, D1 itself is
// failing: the remaining messages are retried without another call, so an
// outage costs a handful of D1 calls, not one per record. (A row too big for
// D1 is not such a record when R2 holds it: see write-interactions.ts.)
import type { InteractionRecord, LogMessage, LogQueueBody } from "./interaction-record";
import { fromQueued } from "./queued-messages";
import { writeInteractions } from "./write-interactions";

const GROUP_BYTES = 8 * 1024 * 1024;
const GIVE_UP_AFTER = 3;
const MAX_RETRY_DELAY_SECONDS = 300;

/**
 * Backoff for a retried message: 2, 4, 8 … seconds by delivery attempt, at
 * most 5 minutes, so max_retries (10) spans about 20 minutes of a D1 outage
 * before the dead-letter queue, not 10 seconds.
 */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, 2 ** Math.max(1, attempts));
}

/** A message the consumer cannot read (not JSON, or an R2 pointer to nothing): no fault of D1's. */
class BadMessage extends Error {}

/** The LogMessages in one queue message body (text, or JSON from an older producer). */
export function unpack(body: unknown): LogMessage[] {
  let parsed: LogQueueBody;
  try {
    parsed = (typeof body === "string" ? JSON.parse(body) : body) as LogQueueBody;
  } catch (error) {
    throw new BadMessage(`unreadable queue message: ${String(error)}`);
  }
  return parsed.v === 2 ? parsed.messages : [parsed];
}

/** One LogMessage's record. `beforeLoad` learns an R2-held record's size before its body is read (and may flush). */
async function resolveRecord(
  env: Env,
  message: LogMessage,
  inlineBytes: number,
  beforeLoad: (bytes: number) => Promise<void>,
): Promise<{ record: InteractionRecord; bytes: number }> {
  if ("record" in message) {
    try {
      return { record: fromQueued(message.record), bytes: inlineBytes };
    } catch (error) {
      throw new BadMessage(`unreadable record ${message.record.request_id}: ${String(error)}`);
    }
  }
  const object = await env.BLOBS.get(message.pointer);
  if (!object) throw new BadMessage(`interaction payload ${message.pointer} is missing from R2`);
  await beforeLoad(object.size);
  const record = (await object.json()) as InteractionRecord;
  return { record: { ...record, blob_key: message.pointer }, bytes: object.size };
}

/** Collects records and writes them to D1 whenever the next one would pass GROUP_BYTES. */
class GroupWriter {
  #records: InteractionRecord[] = [];
  #bytes = 0;
  constructor(private readonly db: D1Database) {}

  /** Writes what is held if `bytes` more would not fit. */
  async makeRoom(bytes: number): Promise<void> {
    if (this.#records.length > 0 && this.#bytes + bytes > GROUP_BYTES) await this.flush();
  }

  async add(record: InteractionRecord, bytes: number): Promise<void> {
    await this.makeRoom(bytes);
    this.#records.push(record);
    this.#bytes += bytes;
  }

  async flush(): Promise<void> {
    const records = this.#records;
    this.#records = [];
    this.#bytes = 0;
    await writeInteractions(this.db, records);
  }
}

async function writeAll(env: Env, bodies: readonly unknown[]): Promise<void> {
  const writer = new GroupWriter(env.DB);
  const makeRoom = (bytes: number) => writer.makeRoom(bytes);
  for (const body of bodies) {
    const messages = unpack(body);
    const inlineBytes = typeof body === "string" ? Math.ceil(body.length / messages.length) : 0;
    for (const message of messages) {
      const { record, bytes } = await resolveRecord(env, message, inlineBytes, makeRoom);
      await writer.add(record, bytes);
    }
  }
  await writer.flush();
}

/** Counts D1 writes that fail in a row, across messages. */
interface Breaker {
  failuresInRow: number;
}

class D1Failing extends Error {}

/** false when the write failed; throws D1Failing once GIVE_UP_AFTER writes in a row have. */
async function tryWrite(write: () => Promise<void>, breaker: Breaker): Promise<boolean> {
  try {
    await write();
    breaker.failuresInRow = 0;
    return true;
  } catch (error) {
    if (error instanceof BadMessage) return false; // not D1's failure
    if (++breaker.failuresInRow >= GIVE_UP_AFTER) throw new D1Failing(String(error));
    return false;
  }
}

/** Writes one message's records; throws, after writing all the others it can, if some cannot be written. */
async function writeMessage(env: Env, body: unknown, breaker: Breaker): Promise<void> {
  if (await tryWrite(() => writeAll(env, [body]), breaker)) return;
  const refused: string[] = []; // unpack throws BadMessage here for a body that is not JSON
  for (const message of unpack(body)) {
    const id = "record" in message ? message.record.request_id : message.request_id;
    const written = await tryWrite(async () => {
      const { record } = await resolveRecord(env, message, 0, async () => {});
      await writeInteractions(env.DB, [record]);
    }, breaker);
    if (!written) refused.push(id);
  }
  if (refused.length > 0) throw new Error(`not written: ${refused.join(", ")}`);
}

export async function handleLogBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const breaker: Breaker = { failuresInRow: 0 };
  try {
    await writeAll(
      env,
      batch.messages.map((m) => m.body),
    );
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
    // A failed D1 write above is the first in the row.
    breaker.failuresInRow = error instanceof BadMessage ? 0 : 1;
  }
  let failing: D1Failing | null = null;
  for (const message of batch.messages) {
    if (!failing) {
      try {
        await writeMessage(env, message.body, breaker);
        message.ack();
        continue;
      } catch (error) {
        if (error instanceof D1Failing) failing = error;
        console.error(
          JSON.stringify({
            msg: "interaction message not fully written; retrying it",
            message_id: message.id,
            attempts: message.attempts,
            error: String(error),
          }),
        );
      }
    }
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
  if (failing)
    console.error(JSON.stringify({ msg: "D1 keeps failing; retrying the rest of the batch", error: String(failing) }));
}
