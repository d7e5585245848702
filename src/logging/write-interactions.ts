// Writes interaction records to D1. Idempotent per (tenant, request id)
// (INSERT … ON CONFLICT DO NOTHING), because queues deliver at least once.
// The rows travel as ONE bound parameter, a JSON array of row arrays that
// SQLite unpacks with json_each: a consumer batch of up to 500 records
// (10 messages × 50 packed records) would otherwise need 100 statements at
// D1's 100 bound parameters each (D1 counts every statement against its
// 1,000 queries per invocation, and each one costs a bind and a parse). A
// statement takes up to ROWS_JSON_CHARS of JSON (D1 allows 2 MB per string
// value); all statements go in one batch (one round trip, one transaction).
// The column list comes from the drizzle schema, so the two cannot drift.
//
// The same batch keeps version_rollups (docs/stats.md): before the INSERTs,
// statements count the records that the INSERTs are about to add (not yet
// stored, not erased, each request id once), with any feedback already
// stored on them. Same transaction, same predicate: a redelivered record is
// neither inserted nor counted again. They read a compact JSON of only the
// fields a rollup needs, not the rows (which carry the messages).
//
// A row too big for D1 (over MAX_ROW_BYTES, e.g. a prompt with a large
// base64 image) whose record is held in R2 is written without its bodies
// (messages, params, tools, answer; metadata is small and stays) and with
// blob_key set, rather than refused and dead-lettered: the interaction
// stays listed, rateable and readable (GET /v1/interactions/{id} reads the
// bodies from R2); exports skip it as too_large.
import { getTableColumns } from "drizzle-orm";
import { interactions } from "../db/schema";
import { rollupInteractionsSql } from "../rollups/rollup-upsert";
import { latencyBucket } from "../stats/latency-histogram";
import type { InteractionRecord } from "./interaction-record";
import { utf8ByteLength } from "./message-packer";

export const COLUMNS = Object.values(getTableColumns(interactions)).map((c) => c.name);
/** UTF-16 units of row JSON per statement: at most 3 bytes each, so under 2 MB. */
export const ROWS_JSON_CHARS = 600_000;

/** Bytes of one row's JSON that D1 still takes (2 MB per row and per bound string, less headroom). */
export const MAX_ROW_BYTES = 1_900_000;

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** The row's columns that hold no JSON: all a rollup reads, so counting a record serializes none of its bodies. */
function scalarColumns(r: InteractionRecord) {
  return {
    request_id: r.request_id,
    tenant_id: r.tenant_id,
    task: r.task,
    adapter: r.adapter,
    adapter_version: r.adapter_version,
    route: r.route,
    tone: r.tone,
    audience: r.audience,
    user: r.user,
    status: r.status,
    error: r.error,
    http_status: r.http_status,
    stream: r.stream ? 1 : 0,
    response_text: r.response_text,
    finish_reason: r.finish_reason,
    prompt_tokens: r.usage?.prompt_tokens ?? null,
    completion_tokens: r.usage?.completion_tokens ?? null,
    usage_estimated: r.usage_estimated ? 1 : 0,
    latency_ms: r.latency_ms,
    ttft_ms: r.ttft_ms,
    created_at: r.created_at,
    blob_key: null,
    client_request_id: r.client_request_id ?? null,
    upstream_id: r.upstream_id ?? null,
  };
}

/** One record as the row stores it, keyed by column (JSON columns as JSON text). */
export function toRow(r: InteractionRecord): Record<string, unknown> {
  const row: Record<string, unknown> = scalarColumns(r);
  row.client_messages = json(r.client_messages);
  row.upstream_messages = json(r.upstream_messages);
  row.params = json(r.params);
  row.tools = json(r.tools);
  row.metadata = json(r.metadata);
  row.response_choices = json(r.response_choices);
  row.response_tool_calls = json(r.response_tool_calls);
  row.attempts = json(r.attempts);
  return row;
}

/** The row of a record too big for D1: everything but the bodies, and where in R2 the whole record is. */
function toReducedRow(r: InteractionRecord, blobKey: string): Record<string, unknown> {
  const withoutBodies: InteractionRecord = {
    ...r,
    client_messages: [],
    upstream_messages: [],
    params: {},
    tools: null,
    response_text: null,
    response_choices: null,
    response_tool_calls: null,
  };
  return { ...toRow(withoutBodies), blob_key: blobKey };
}

const rowJson = (values: Record<string, unknown>) => JSON.stringify(COLUMNS.map((column) => values[column] ?? null));
const tooBig = (row: string) => row.length * 3 > MAX_ROW_BYTES && utf8ByteLength(row) > MAX_ROW_BYTES;

// JSON columns travel as strings inside the row JSON, not nested: SQLite's
// JSON parser stops at 1,000 levels of nesting, and a client may send a
// deeply nested extra field that the record keeps (in params). As a string
// it is only text to json_each.
const rowAt = (column: string) => `value->>${COLUMNS.indexOf(column)}`;
// A record of an erased user (created up to the erasure) or of an erased
// interaction is dropped here, in the same statement: one that was still on
// the queue when DELETE /v1/users/{user} or /v1/interactions/{id} ran.
const notErased = (at: (column: string) => string) =>
  `NOT EXISTS (SELECT 1 FROM erasures e WHERE e.tenant_id = ${at("tenant_id")} AND (` +
  `(e.kind = 'user' AND e.subject = ${at("user")} AND e.erased_at >= ${at("created_at")}) OR ` +
  `(e.kind = 'request' AND e.subject = ${at("request_id")})))`;
const INSERT_SQL =
  `INSERT INTO interactions (${COLUMNS.map((c) => `"${c}"`).join(", ")}) ` +
  `SELECT ${COLUMNS.map((_, i) => `value->>${i}`).join(", ")} FROM json_each(?) ` +
  // The WHERE also keeps ON CONFLICT from parsing as part of the SELECT (SQLite's upsert docs).
  `WHERE ${notErased(rowAt)} ON CONFLICT DO NOTHING`;

/** What a rollup needs of a record, in this order, then its latency bucket. */
const FACTS = [
  "tenant_id",
  "request_id",
  "task",
  "created_at",
  "adapter_version",
  "audience",
  "adapter",
  "status",
  "prompt_tokens",
  "completion_tokens",
  "latency_ms",
  "ttft_ms",
  "user",
] as const satisfies readonly (keyof ReturnType<typeof scalarColumns>)[];
const factAt = (column: string) => `value->>${FACTS.indexOf(column as (typeof FACTS)[number])}`;
const ROLLUP_SQL = rollupInteractionsSql(
  `SELECT ${FACTS.map((c) => `${factAt(c)} AS ${c}`).join(", ")}, value->>${FACTS.length} AS bucket ` +
    `FROM json_each(?) WHERE ${notErased(factAt)} ` +
    `AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.tenant_id = ${factAt("tenant_id")} AND i.request_id = ${factAt("request_id")})`,
);
/** Records per counting statement: ~200 characters each, far under D1's 2 MB per bound value. */
const FACTS_PER_STATEMENT = 1000;

/** The records' rollup facts, each (tenant, request id) once (the first, as the INSERT keeps), in JSON chunks. */
export function factChunks(records: InteractionRecord[]): string[] {
  const seen = new Set<string>();
  const facts: string[] = [];
  for (const record of records) {
    const key = JSON.stringify([record.tenant_id, record.request_id]);
    if (seen.has(key)) continue;
    seen.add(key);
    const row = scalarColumns(record);
    facts.push(JSON.stringify([...FACTS.map((c) => row[c]), latencyBucket(record.latency_ms)]));
  }
  const chunks: string[] = [];
  for (let i = 0; i < facts.length; i += FACTS_PER_STATEMENT)
    chunks.push(`[${facts.slice(i, i + FACTS_PER_STATEMENT).join(",")}]`);
  return chunks;
}

/** The records as JSON arrays of row values, joined into chunks of at most ROWS_JSON_CHARS (one row may exceed it alone). */
export function rowChunks(records: InteractionRecord[]): string[] {
  const chunks: string[] = [];
  let rows: string[] = [];
  let chars = 0;
  for (const record of records) {
    let row = rowJson(toRow(record));
    if (record.blob_key && tooBig(row)) row = rowJson(toReducedRow(record, record.blob_key));
    if (rows.length > 0 && chars + row.length + 1 > ROWS_JSON_CHARS) {
      chunks.push(`[${rows.join(",")}]`);
      rows = [];
      chars = 0;
    }
    rows.push(row);
    chars += row.length + 1;
  }
  if (rows.length > 0) chunks.push(`[${rows.join(",")}]`);
  return chunks;
}

export async function writeInteractions(db: D1Database, records: InteractionRecord[]): Promise<void> {
  if (records.length === 0) return;
  // Counting first: it counts what the INSERTs after it will add.
  await db.batch([
    ...factChunks(records).map((facts) => db.prepare(ROLLUP_SQL).bind(facts)),
    ...rowChunks(records).map((chunk) => db.prepare(INSERT_SQL).bind(chunk)),
  ]);
}
