// Writes interaction records to D1. Idempotent per (tenant, request id)
// (INSERT … ON CONFLICT DO NOTHING), because queues deliver at least once.
// D1 allows 100 bound parameters per statement, so rows go in chunks of
// floor(100 / columns) per statement, all chunks in one batch (one round
// trip, one transaction). The SQL is built once per chunk size and reused:
// this runs for every record, and drizzle's query builder cost about as much
// CPU as the insert itself (scripts/bench/PROFILE.md); the column list still
// comes from the drizzle schema, so the two cannot drift.
import { getTableColumns } from "drizzle-orm";
import { interactions } from "../db/schema";
import type { InteractionRecord } from "./interaction-record";

const D1_MAX_BOUND_PARAMETERS = 100;
export const COLUMNS = Object.values(getTableColumns(interactions)).map((c) => c.name);
export const ROWS_PER_STATEMENT = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / COLUMNS.length));

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** One record as the row's values, in COLUMNS order. */
export function toRow(r: InteractionRecord): Record<string, unknown> {
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
    client_messages: json(r.client_messages),
    upstream_messages: json(r.upstream_messages),
    params: json(r.params),
    tools: json(r.tools),
    metadata: json(r.metadata),
    response_text: r.response_text,
    response_tool_calls: json(r.response_tool_calls),
    finish_reason: r.finish_reason,
    prompt_tokens: r.usage?.prompt_tokens ?? null,
    completion_tokens: r.usage?.completion_tokens ?? null,
    usage_estimated: r.usage_estimated ? 1 : 0,
    attempts: json(r.attempts),
    latency_ms: r.latency_ms,
    ttft_ms: r.ttft_ms,
    created_at: r.created_at,
  };
}

const sqlByRows = new Map<number, string>();
function insertSql(rows: number): string {
  let sql = sqlByRows.get(rows);
  if (!sql) {
    const tuple = `(${COLUMNS.map(() => "?").join(", ")})`;
    sql = `INSERT INTO interactions (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${Array(rows).fill(tuple).join(", ")} ON CONFLICT DO NOTHING`;
    sqlByRows.set(rows, sql);
  }
  return sql;
}

export async function writeInteractions(db: D1Database, records: InteractionRecord[]): Promise<void> {
  if (records.length === 0) return;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
    const chunk = records.slice(i, i + ROWS_PER_STATEMENT);
    const values: unknown[] = [];
    for (const record of chunk) {
      const row = toRow(record);
      for (const column of COLUMNS) values.push(row[column] ?? null);
    }
    statements.push(db.prepare(insertSql(chunk.length)).bind(...values));
  }
  await db.batch(statements);
}
