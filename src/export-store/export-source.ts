// Reads rated interactions for an export, one keyset page at a time, ordered
// by (created_at, request_id) on the tenant's index, so a page costs the same
// at row 20 and at row 200,000 and memory stays flat. Every query is scoped by
// tenant_id. Feedback rides along as a JSON array built by SQLite, so a page
// is one D1 round trip. Only status 'ok' rows are read: a failed or aborted
// interaction has no answer worth training on.
import type {
  ExportFilters,
  ExportInteraction,
  ExportRow,
  FeedbackEntry,
  StoredMessage,
  ToolCall,
} from "../export/types";

export interface PageCursor {
  createdAt: number;
  requestId: string;
}

/** A row as D1 returns it: the JSON columns still as text, too_large as SQLite's 0/1. */
type JsonColumns = "client_messages" | "upstream_messages" | "tools" | "response_tool_calls";
type RawRow = Omit<ExportInteraction, JsonColumns | "too_large"> & {
  too_large: 0 | 1;
  client_messages: string;
  upstream_messages: string;
  tools: string | null;
  response_tool_calls: string | null;
  feedback: string;
};

function whereClause(tenant: string, filters: ExportFilters, after: PageCursor | null) {
  const clauses = ["i.tenant_id = ?", "i.status = 'ok'"];
  const binds: (string | number)[] = [tenant];
  const add = (sql: string, value: string | number | undefined) => {
    if (value === undefined) return;
    clauses.push(sql);
    binds.push(value);
  };
  add("i.task = ?", filters.task);
  add("i.adapter = ?", filters.adapter);
  add("i.adapter_version = ?", filters.version);
  add("i.audience = ?", filters.audience);
  add("i.created_at >= ?", filters.since);
  add("i.created_at < ?", filters.until);
  if (after) {
    clauses.push("(i.created_at, i.request_id) > (?, ?)");
    binds.push(after.createdAt, after.requestId);
  }
  let rated = "SELECT 1 FROM feedback f WHERE f.tenant_id = i.tenant_id AND f.request_id = i.request_id";
  if (filters.feedbackAfter !== undefined) {
    rated += " AND f.updated_at > ?";
    binds.push(filters.feedbackAfter);
  }
  if (filters.feedbackUpTo !== undefined) {
    rated += " AND f.updated_at <= ?";
    binds.push(filters.feedbackUpTo);
  }
  clauses.push(`EXISTS (${rated})`);
  return { sql: clauses.join(" AND "), binds };
}

export async function countExportRows(db: D1Database, tenant: string, filters: ExportFilters): Promise<number> {
  const { sql, binds } = whereClause(tenant, filters, null);
  const row = await db
    .prepare(`SELECT COUNT(*) AS n FROM interactions i WHERE ${sql}`)
    .bind(...binds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export async function fetchExportPage(
  db: D1Database,
  tenant: string,
  filters: ExportFilters,
  after: PageCursor | null,
  limit: number,
): Promise<{ rows: ExportRow[]; next: PageCursor | null }> {
  const { sql, binds } = whereClause(tenant, filters, after);
  const { results } = await db
    .prepare(
      `SELECT i.request_id, i.tenant_id, i.task, i.adapter, i.adapter_version, i.audience, i.tone, i.status,
              i.created_at, i.client_messages, i.upstream_messages, i.tools, i.response_text,
              i.response_tool_calls, i.finish_reason, i.blob_key IS NOT NULL AS too_large,
              (SELECT json_group_array(json_object(
                  'user', NULLIF(f.user_key, ''), 'rating', f.rating, 'score', f.score, 'comment', f.comment,
                  'correction', f.correction, 'tags', json(f.tags), 'updated_at', f.updated_at))
                 FROM feedback f WHERE f.tenant_id = i.tenant_id AND f.request_id = i.request_id) AS feedback
       FROM interactions i
       WHERE ${sql}
       ORDER BY i.created_at, i.request_id
       LIMIT ?`,
    )
    .bind(...binds, limit)
    .all<RawRow>();
  const rows = results.map(toExportRow);
  const last = results.at(-1);
  const next = results.length === limit && last ? { createdAt: last.created_at, requestId: last.request_id } : null;
  return { rows, next };
}

function toExportRow(r: RawRow): ExportRow {
  const { feedback, ...columns } = r;
  return {
    interaction: {
      ...columns,
      client_messages: JSON.parse(r.client_messages) as StoredMessage[],
      upstream_messages: JSON.parse(r.upstream_messages) as StoredMessage[],
      tools: r.tools ? (JSON.parse(r.tools) as unknown[]) : null,
      response_tool_calls: r.response_tool_calls ? (JSON.parse(r.response_tool_calls) as ToolCall[]) : null,
      too_large: r.too_large === 1,
    },
    feedback: (JSON.parse(feedback) as FeedbackEntry[]).sort((a, b) => a.updated_at - b.updated_at),
  };
}
