// The messages of a record on LOG_QUEUE, sent once. The messages the model
// saw are the client's with the tone preset's system prompt joined in front
// (tone/apply-preset.ts passes every untouched message through by
// reference), so a record carries the same conversation twice. On the queue
// only, `upstream_messages` keeps the messages the client did not send and
// `upstream_from_client` says from which index the client's messages follow.
// The consumer rebuilds the record before writing it, so D1, R2 and every
// reader see whole records; a record from an older producer has no such
// field and passes as it is.
import type { InteractionRecord, QueuedRecord } from "./interaction-record";

/**
 * The record with the upstream messages it shares with the client's left
 * out: the longest common tail, compared by reference (no message is read).
 * The record itself when they share none.
 */
export function toQueued(record: InteractionRecord): QueuedRecord {
  const client = record.client_messages;
  const upstream = record.upstream_messages;
  let shared = 0;
  while (
    shared < client.length &&
    shared < upstream.length &&
    client[client.length - 1 - shared] === upstream[upstream.length - 1 - shared]
  ) {
    shared++;
  }
  if (shared === 0) return record;
  return {
    ...record,
    upstream_messages: upstream.slice(0, upstream.length - shared),
    upstream_from_client: client.length - shared,
  };
}

/** The whole record again. Throws on a field that no producer writes (a message the consumer cannot read). */
export function fromQueued(queued: QueuedRecord): InteractionRecord {
  const from = queued.upstream_from_client;
  if (from === undefined) return queued;
  const { upstream_from_client: _, ...record } = queued;
  if (!Number.isInteger(from) || from < 0 || from > record.client_messages.length) {
    throw new RangeError(`upstream_from_client ${String(from)} is outside client_messages`);
  }
  return { ...record, upstream_messages: [...record.upstream_messages, ...record.client_messages.slice(from)] };
}
