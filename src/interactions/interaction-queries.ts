// Reads of the interaction log for GET /v1/interactions[/{id}]. Every query
// starts with tenant_id = ? (the leading column of both interactions indexes),
// so one tenant's rows are never read for another, and an id that exists only
// under another tenant reads exactly like one that does not exist.
//
// The list returns summaries without the message bodies: a row may hold up to
// D1's 2 MB, and 100 of them would not fit a Worker's 128 MB; the full record
// is one GET /v1/interactions/{id} away. Pages are keyset on (created_at,
// request_id) descending (interaction-cursor.ts). Filters other than the time
// range walk the tenant's time index and test each row, which is cheap while
// matches are dense; a rare filter value over a large tenant scans more rows.
import { and, desc, eq, gte, lt, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { interactions } from "../db/schema";
import { feedbackFor, toFeedback } from "../feedback/feedback-store";
import type { InteractionRecord } from "../logging/interaction-record";
import type { Interaction, InteractionList, InteractionSummary, ListInteractionsQuery } from "../schemas/interactions";
import { encodeCursor, type CursorPosition } from "./interaction-cursor";

// Correlated subqueries over the feedback primary key (tenant_id, request_id, …).
// Written with explicit table names: drizzle renders a column inside a select
// list unqualified, and an unqualified `tenant_id = tenant_id` in the subquery
// would compare feedback with itself and count every tenant's feedback.
const sameRow = sql.raw(`f.tenant_id = "interactions"."tenant_id" and f.request_id = "interactions"."request_id"`);
// No bound parameters, so the page size never runs into D1's 100-parameter cap.
const ratingCount = (rating: 1 | -1) =>
  sql<number>`(select count(*) from "feedback" f where ${sameRow} and f.rating = ${sql.raw(String(rating))})`;

const summaryColumns = {
  requestId: interactions.requestId,
  clientRequestId: interactions.clientRequestId,
  upstreamId: interactions.upstreamId,
  createdAt: interactions.createdAt,
  task: interactions.task,
  adapter: interactions.adapter,
  adapterVersion: interactions.adapterVersion,
  route: interactions.route,
  tone: interactions.tone,
  audience: interactions.audience,
  user: interactions.user,
  status: interactions.status,
  error: interactions.error,
  httpStatus: interactions.httpStatus,
  stream: interactions.stream,
  finishReason: interactions.finishReason,
  promptTokens: interactions.promptTokens,
  completionTokens: interactions.completionTokens,
  usageEstimated: interactions.usageEstimated,
  latencyMs: interactions.latencyMs,
  ttftMs: interactions.ttftMs,
  metadata: interactions.metadata,
  up: ratingCount(1),
  down: ratingCount(-1),
};

type SummaryRow = Pick<typeof interactions.$inferSelect, Exclude<keyof typeof summaryColumns, "up" | "down">> & {
  up: number;
  down: number;
};

function toSummary(row: SummaryRow): InteractionSummary {
  const total =
    row.promptTokens === null && row.completionTokens === null
      ? null
      : (row.promptTokens ?? 0) + (row.completionTokens ?? 0);
  return {
    id: row.requestId,
    client_request_id: row.clientRequestId,
    upstream_id: row.upstreamId,
    object: "interaction",
    created_at: row.createdAt,
    task: row.task,
    adapter: row.adapter,
    adapter_version: row.adapterVersion,
    route: row.route,
    tone: row.tone,
    audience: row.audience,
    user: row.user,
    status: row.status,
    error: row.error,
    http_status: row.httpStatus,
    stream: row.stream,
    finish_reason: row.finishReason,
    usage: {
      prompt_tokens: row.promptTokens,
      completion_tokens: row.completionTokens,
      total_tokens: total,
      estimated: row.usageEstimated,
    },
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
    metadata: (row.metadata as Record<string, string> | null) ?? null,
    feedback_summary: { up: Number(row.up), down: Number(row.down) },
  };
}

function filtersOf(
  tenantId: string,
  q: Omit<ListInteractionsQuery, "cursor" | "limit">,
  after: CursorPosition | null,
): SQL[] {
  const where: SQL[] = [eq(interactions.tenantId, tenantId)];
  if (q.task !== undefined) where.push(eq(interactions.task, q.task));
  if (q.adapter !== undefined) where.push(eq(interactions.adapter, q.adapter));
  if (q.version !== undefined) where.push(eq(interactions.adapterVersion, q.version));
  if (q.audience !== undefined) where.push(eq(interactions.audience, q.audience));
  if (q.user !== undefined) where.push(eq(interactions.user, q.user));
  if (q.client_request_id !== undefined) where.push(eq(interactions.clientRequestId, q.client_request_id));
  if (q.status !== undefined) where.push(eq(interactions.status, q.status));
  if (q.since !== undefined) where.push(gte(interactions.createdAt, q.since));
  if (q.until !== undefined) where.push(lt(interactions.createdAt, q.until));
  if (q.rating !== undefined) {
    where.push(sql`exists (select 1 from "feedback" f where ${sameRow} and f.rating = ${q.rating})`);
  }
  if (after) {
    // Row-value comparison: strictly after the cursor in (created_at, request_id) DESC order.
    where.push(sql`(${interactions.createdAt}, ${interactions.requestId}) < (${after.createdAt}, ${after.requestId})`);
  }
  return where;
}

export interface ListPage {
  query: Omit<ListInteractionsQuery, "cursor">;
  after: CursorPosition | null;
}

export async function listInteractions(d1: D1Database, tenantId: string, page: ListPage): Promise<InteractionList> {
  const { limit, ...filters } = page.query;
  const rows = await drizzle(d1)
    .select(summaryColumns)
    .from(interactions)
    .where(and(...filtersOf(tenantId, filters, page.after)))
    .orderBy(desc(interactions.createdAt), desc(interactions.requestId))
    .limit(limit + 1);
  const hasMore = rows.length > limit;
  const data = (hasMore ? rows.slice(0, limit) : rows).map((r) => toSummary(r));
  const last = data.at(-1);
  return {
    object: "list",
    data,
    has_more: hasMore,
    next_cursor: hasMore && last ? encodeCursor({ createdAt: last.created_at, requestId: last.id }) : null,
  };
}

/**
 * The bodies a row too big for D1 left in R2 (write-interactions.ts), or null
 * if the object is gone or belongs to a later request that reused the id
 * (the producer overwrites the key; D1 keeps the first row).
 */
async function bodiesFromR2(blobs: R2Bucket, key: string, row: { requestId: string; createdAt: number }) {
  const object = await blobs.get(key);
  const r = object ? ((await object.json()) as InteractionRecord) : null;
  if (!r || r.request_id !== row.requestId || r.created_at !== row.createdAt) {
    console.error(JSON.stringify({ msg: "interaction bodies not in R2", key, found: r !== null }));
    return null;
  }
  return {
    clientMessages: r.client_messages,
    upstreamMessages: r.upstream_messages,
    params: r.params,
    tools: r.tools,
    responseText: r.response_text,
    responseChoices: r.response_choices ?? null,
    responseToolCalls: r.response_tool_calls,
  };
}

/**
 * The full record with its feedback, or null when the caller's tenant has no
 * such interaction. A row written without its bodies (blob_key set) gets them
 * from R2; the key was read from the tenant's own row, so it never points into
 * another tenant's records.
 */
export async function getInteraction(
  d1: D1Database,
  blobs: R2Bucket,
  tenantId: string,
  requestId: string,
): Promise<Interaction | null> {
  const db = drizzle(d1);
  const record = db
    .select({
      ...summaryColumns,
      clientMessages: interactions.clientMessages,
      upstreamMessages: interactions.upstreamMessages,
      params: interactions.params,
      tools: interactions.tools,
      responseText: interactions.responseText,
      responseChoices: interactions.responseChoices,
      responseToolCalls: interactions.responseToolCalls,
      attempts: interactions.attempts,
      blobKey: interactions.blobKey,
    })
    .from(interactions)
    .where(and(eq(interactions.tenantId, tenantId), eq(interactions.requestId, requestId)))
    .limit(1);
  // One round trip for the record and its feedback.
  const [[stored], entries] = await db.batch([record, feedbackFor(db, tenantId, requestId)]);
  if (!stored) return null;
  const row = stored.blobKey ? { ...stored, ...(await bodiesFromR2(blobs, stored.blobKey, stored)) } : stored;
  return {
    ...toSummary(row),
    client_messages: (row.clientMessages as unknown[]) ?? [],
    upstream_messages: (row.upstreamMessages as unknown[]) ?? [],
    params: (row.params as Record<string, unknown>) ?? {},
    tools: (row.tools as unknown[] | null) ?? null,
    response_text: row.responseText,
    response_choices: (row.responseChoices as unknown[] | null) ?? null,
    response_tool_calls: (row.responseToolCalls as unknown[] | null) ?? null,
    attempts: (row.attempts as unknown[] | null) ?? null,
    feedback: entries.map(toFeedback),
  };
}
