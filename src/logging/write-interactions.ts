// Writes interaction records to D1. Idempotent by request id (INSERT … ON
// CONFLICT DO NOTHING), because queues deliver at least once. D1 allows 100
// bound parameters per statement, so rows go in chunks of
// floor(100 / columns) per statement, all chunks in one batch (one round
// trip, one transaction).
import { getTableColumns } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { interactions } from "../db/schema";
import type { InteractionRecord } from "./interaction-record";

const D1_MAX_BOUND_PARAMETERS = 100;
const COLUMNS = Object.keys(getTableColumns(interactions)).length;
export const ROWS_PER_STATEMENT = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / COLUMNS));

export function toRow(r: InteractionRecord): typeof interactions.$inferInsert {
  return {
    requestId: r.request_id,
    tenantId: r.tenant_id,
    task: r.task,
    adapter: r.adapter,
    adapterVersion: r.adapter_version,
    route: r.route,
    tone: r.tone,
    audience: r.audience,
    user: r.user,
    status: r.status,
    error: r.error,
    httpStatus: r.http_status,
    stream: r.stream,
    clientMessages: r.client_messages,
    upstreamMessages: r.upstream_messages,
    params: r.params,
    tools: r.tools,
    metadata: r.metadata,
    responseText: r.response_text,
    responseToolCalls: r.response_tool_calls,
    finishReason: r.finish_reason,
    promptTokens: r.usage?.prompt_tokens ?? null,
    completionTokens: r.usage?.completion_tokens ?? null,
    usageEstimated: r.usage_estimated,
    attempts: r.attempts,
    latencyMs: r.latency_ms,
    ttftMs: r.ttft_ms,
    createdAt: r.created_at,
  };
}

export async function writeInteractions(d1: D1Database, records: InteractionRecord[]): Promise<void> {
  if (records.length === 0) return;
  const db = drizzle(d1);
  const rows = records.map(toRow);
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(db.insert(interactions).values(rows.slice(i, i + ROWS_PER_STATEMENT)).onConflictDoNothing());
  }
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
}
