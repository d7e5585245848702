// Sends interaction records to LOG_QUEUE off the hot path (the caller wraps
// this in ctx.waitUntil). Records that arrive within LOG_PACK_WINDOW_MS of
// each other travel packed in one queue message (message-packer.ts). Queues
// take at most 128 KB per message, so a record larger than that goes to R2
// first and its message carries the key. If the queue refuses, the records
// are written to D1 directly: a log is never dropped.
import type { InteractionRecord, LogMessage } from "./interaction-record";
import { MessagePacker, utf8ByteLength, type PackLimits } from "./message-packer";
import { toQueued } from "./queued-messages";
import { writeInteractions } from "./write-interactions";
import { systemClock, type Clock } from "../clock";

// Below the 128 KB limit, leaving room for the queue's own envelope.
export const MAX_INLINE_BYTES = 120 * 1024;
const PACK_PREFIX = '{"v":2,"messages":[';
const PACK_SUFFIX = "]}";
/** Records per packed message: a consumer batch (10 messages) stays a bounded D1 write. */
export const MAX_RECORDS_PER_MESSAGE = 50;

export function blobKeyFor(record: Pick<InteractionRecord, "tenant_id" | "request_id">): string {
  return `interactions/${record.tenant_id}/${record.request_id}.json`;
}

/** The queue message body for serialized LogMessages. */
export function packBodies(bodies: string[]): string {
  return bodies.length === 1 ? bodies[0] : PACK_PREFIX + bodies.join(",") + PACK_SUFFIX;
}

async function sendPack(env: Env, bodies: string[], records: InteractionRecord[]): Promise<void> {
  try {
    // Sent as text: each record was serialized once, by enqueueInteraction.
    await env.LOG_QUEUE.send(packBodies(bodies), { contentType: "text" });
  } catch (error) {
    await writeDirectly(env, records, error);
  }
}

async function writeDirectly(env: Env, records: InteractionRecord[], error: unknown): Promise<void> {
  console.error(
    JSON.stringify({
      msg: "log queue send failed; writing directly",
      request_ids: records.map((r) => r.request_id),
      error: String(error),
    }),
  );
  await writeInteractions(env.DB, records);
}

export interface LogSettings {
  /** LOG_PACK_WINDOW_MS from the config (at most 1,000: the request that opens a pack waits it out in waitUntil). */
  windowMs: number;
  clock: Clock;
}

export const DEFAULT_LOG_SETTINGS: LogSettings = { windowMs: 20, clock: systemClock };

export function packLimitsFor(windowMs: number): PackLimits {
  return {
    windowMs,
    maxBytes: MAX_INLINE_BYTES - PACK_PREFIX.length - PACK_SUFFIX.length,
    maxMessages: MAX_RECORDS_PER_MESSAGE,
  };
}

// One packer per isolate and env (tests run several envs in one isolate);
// the settings of the env's first record hold for its packer.
const packers = new WeakMap<Env, MessagePacker<InteractionRecord>>();
function packerFor(env: Env, settings: LogSettings): MessagePacker<InteractionRecord> {
  let packer = packers.get(env);
  if (!packer) {
    packer = new MessagePacker<InteractionRecord>(
      packLimitsFor(settings.windowMs),
      (bodies, records) => sendPack(env, bodies, records),
      settings.clock,
    );
    packers.set(env, packer);
  }
  return packer;
}

export async function enqueueInteraction(
  env: Env,
  record: InteractionRecord,
  settings: LogSettings = DEFAULT_LOG_SETTINGS,
): Promise<void> {
  let body: string;
  let bytes: number;
  let packed = record;
  try {
    body = JSON.stringify({ v: 1, record: toQueued(record) } satisfies LogMessage);
    bytes = utf8ByteLength(body);
    if (bytes > MAX_INLINE_BYTES) {
      const pointer = blobKeyFor(record);
      await env.BLOBS.put(pointer, JSON.stringify(record), { httpMetadata: { contentType: "application/json" } });
      body = JSON.stringify({
        v: 1,
        pointer,
        request_id: record.request_id,
        tenant_id: record.tenant_id,
      } satisfies LogMessage);
      bytes = utf8ByteLength(body);
      // If the pack cannot be sent, writeDirectly gets this copy: one too big
      // for a D1 row is then written without its bodies, as the consumer does.
      packed = { ...record, blob_key: pointer };
    }
  } catch (error) {
    return writeDirectly(env, [record], error);
  }
  return packerFor(env, settings).add(body, bytes, packed);
}
