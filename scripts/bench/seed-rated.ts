// Seeds many rated interactions for one tenant into the bench's D1, for the
// export section. The rows are generated inside SQLite (a recursive CTE per
// chunk of CHUNK rows, INSERT … SELECT), so each chunk is one statement with
// five bound values — far inside D1's 100 bound parameters — instead of
// tens of thousands of 3-row INSERTs over Miniflare's proxy. The JSON columns
// are built with json_array/json_object, which write the same compact JSON
// text as the consumer's drizzle insert (write-interactions.ts).
//
// Row i (1-based) is created at SEED_BASE_MS + i, so `until = SEED_BASE_MS +
// k + 1` selects the first k rows. Every row is distinct (no dedup), one in
// seven carries an e-mail address and a phone number (redaction has work),
// and the feedback is mixed:
//   i % 4 != 0            thumbs up (one in five with a score, one in six tagged)
//   i % 4 == 0            thumbs down; with a correction when i % 8 == 0
//   i % 20 == 0           also a thumbs up from a second user: a tie, skipped as mixed
import type { Stack } from "./start-stack";

export const SEED_BASE_MS = Date.UTC(2026, 0, 1);
const CHUNK = 20_000;
const SYSTEM_PROMPT =
  "You are Acme Cloud's support assistant. Answer in plain language, in at most three short paragraphs. " +
  "Be warm and direct; never blame the customer. If you are not sure, say so and offer to open a ticket.";

type Db = Awaited<ReturnType<Stack["mf"]["getD1Database"]>>;

const SEQ = "WITH RECURSIVE seq(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?2)";

const INTERACTIONS = `
INSERT INTO interactions (request_id, tenant_id, task, adapter, adapter_version, route, tone, audience, user, status,
  error, http_status, stream, client_messages, upstream_messages, params, tools, metadata, response_text,
  response_tool_calls, finish_reason, prompt_tokens, completion_tokens, usage_estimated, attempts, latency_ms, ttft_ms,
  created_at)
${SEQ}, q(i, text) AS (
  SELECT i, printf('Question %d: I was charged twice for invoice INV-%06d in April. Can you help me get a refund for the second charge?', i, i)
    || CASE WHEN i % 7 = 0 THEN printf(' You can reach me at customer%d@example.com or +1 415 555 %04d.', i, i % 10000) ELSE '' END
  FROM seq)
SELECT printf('seed-%07d', i), ?3, CASE WHEN i % 2 THEN 'support' ELSE 'billing' END, 'acme-support',
  CASE WHEN i % 2 THEN 'support-v1' ELSE 'billing-v1' END, 'default', 'customer@v1',
  CASE WHEN i % 3 THEN 'customer' ELSE 'developer' END, printf('user-%d', i % 500), 'ok', NULL, 200, i % 2,
  json_array(json_object('role', 'user', 'content', text)),
  json_array(json_object('role', 'system', 'content', ?4), json_object('role', 'user', 'content', text)),
  '{"temperature":0.3}', NULL, NULL,
  printf('Sorry about the double charge on INV-%06d. I have checked your account: the second payment is a duplicate, and a refund of the full amount is on its way. It usually shows up within 5 to 10 business days. Reference: R-%d.', i, i),
  NULL, 'stop', 60 + i % 40, 50 + i % 80, 0, '[]', 300 + i % 700, 40 + i % 60, ?5 + i
FROM q`;

const FEEDBACK = `
INSERT INTO feedback (tenant_id, request_id, user_key, rating, score, comment, correction, tags, source, created_at, updated_at)
${SEQ}
SELECT ?3, printf('seed-%07d', i), '', CASE WHEN i % 4 = 0 THEN -1 ELSE 1 END,
  CASE WHEN i % 5 = 0 THEN (i % 11) / 10.0 END, NULL,
  CASE WHEN i % 8 = 0 THEN printf('Refund R-%d for the duplicate payment on INV-%06d is approved; you will get an e-mail when it is sent.', i, i) END,
  CASE WHEN i % 6 = 0 THEN '["billing"]' ELSE '[]' END, 'api_key', ?4 + i, ?4 + i
FROM seq`;

const SECOND_USER = `
INSERT INTO feedback (tenant_id, request_id, user_key, rating, score, comment, correction, tags, source, created_at, updated_at)
${SEQ}
SELECT ?3, printf('seed-%07d', i), 'u:second', 1, NULL, NULL, NULL, '[]', 'token', ?4 + i + 1, ?4 + i + 1
FROM seq WHERE i % 20 = 0`;

export interface SeedResult {
  interactions: number;
  feedback_rows: number;
  seconds: number;
  method: string;
}

export async function seedRated(db: Db, tenant: string, rows: number): Promise<SeedResult> {
  const started = performance.now();
  const feedbackAt = SEED_BASE_MS + 3_600_000;
  for (let lo = 1; lo <= rows; lo += CHUNK) {
    const hi = Math.min(rows, lo + CHUNK - 1);
    // One chunk per batch (one transaction): interactions, then their feedback.
    await db.batch([
      db.prepare(INTERACTIONS).bind(lo, hi, tenant, SYSTEM_PROMPT, SEED_BASE_MS),
      db.prepare(FEEDBACK).bind(lo, hi, tenant, feedbackAt),
      db.prepare(SECOND_USER).bind(lo, hi, tenant, feedbackAt),
    ]);
  }
  const seconds = (performance.now() - started) / 1000;
  const count = async (table: string) =>
    (await db.prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenant).first<{ n: number }>())
      ?.n ?? 0;
  return {
    interactions: await count("interactions"),
    feedback_rows: await count("feedback"),
    seconds: Number(seconds.toFixed(2)),
    method:
      `INSERT … SELECT over a recursive CTE through the D1 binding, ${CHUNK.toLocaleString("en")} rows per statement, ` +
      "one batch (interactions + feedback) per chunk",
  };
}
