// Reads rated interactions for an export, one keyset page at a time, ordered
// by (created_at, request_id) on the tenant's index, so a page costs the same
// at row 20 and at row 200,000 and memory stays flat. Every query is scoped by
// tenant_id. Feedback rides along as a JSON array built by SQLite, so a page
// is one D1 round trip. Only status 'ok' rows are read: a failed or aborted
// interaction has no answer worth training on. An n > 1 interaction becomes
// one row per rated choice (that choice's answer and that choice's feedback),
// so every format treats a choice like an answer of its own, and two choices
// of one prompt rated apart pair up for DPO like any two answers would.
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
  response_choices: string | null;
  feedback: string;
};

interface StoredChoice {
  index: number;
  text: string | null;
  tool_calls: ToolCall[] | null;
  finish_reason: string | null;
}

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
              i.response_tool_calls, i.finish_reason, i.response_choices, i.blob_key IS NOT NULL AS too_large,
              (SELECT json_group_array(json_object(
                  'choice', f.choice, 'user', NULLIF(f.user_key, ''), 'rating', f.rating, 'score', f.score, 'comment', f.comment,
                  'correction', f.correction, 'tags', json(f.tags), 'updated_at', f.updated_at))
                 FROM feedback f WHERE f.tenant_id = i.tenant_id AND f.request_id = i.request_id) AS feedback
       FROM interactions i
       WHERE ${sql}
       ORDER BY i.created_at, i.request_id
       LIMIT ?`,
    )
    .bind(...binds, limit)
    .all<RawRow>();
  const rows = results.flatMap(toExportRows);
  const last = results.at(-1);
  const next = results.length === limit && last ? { createdAt: last.created_at, requestId: last.request_id } : null;
  return { rows, next };
}

type RatedEntry = FeedbackEntry & { choice: number };

function toExportRows(r: RawRow): ExportRow[] {
  const { feedback, response_choices, ...columns } = r;
  const interaction: ExportInteraction = {
    ...columns,
    client_messages: JSON.parse(r.client_messages) as StoredMessage[],
    upstream_messages: JSON.parse(r.upstream_messages) as StoredMessage[],
    tools: r.tools ? (JSON.parse(r.tools) as unknown[]) : null,
    response_tool_calls: r.response_tool_calls ? (JSON.parse(r.response_tool_calls) as ToolCall[]) : null,
    too_large: r.too_large === 1,
  };
  const entries = (JSON.parse(feedback) as RatedEntry[]).sort((a, b) => a.updated_at - b.updated_at);
  const ofChoice = (choice: number) => entries.filter((e) => e.choice === choice).map(({ choice: _, ...e }) => e);
  if (!response_choices) return [{ interaction, feedback: ofChoice(0) }];
  const rows: ExportRow[] = [];
  for (const choice of JSON.parse(response_choices) as StoredChoice[]) {
    const rated = ofChoice(choice.index);
    if (rated.length === 0) continue;
    rows.push({
      interaction: {
        ...interaction,
        response_text: choice.text,
        response_tool_calls: choice.tool_calls,
        finish_reason: choice.finish_reason,
      },
      feedback: rated,
      choice: choice.index,
    });
  }
  return rows;
}
