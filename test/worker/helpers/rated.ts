// Builds rated interactions straight into D1 (as the queue consumer and the
// feedback endpoint would have written them), for export tests.
import { env } from "cloudflare:workers";
import type { InteractionRecord } from "../../../src/logging/interaction-record";
import { writeInteractions } from "../../../src/logging/write-interactions";

export function ratedRecord(
  tenant: string,
  requestId: string,
  i: number,
  overrides: Partial<InteractionRecord> = {},
): InteractionRecord {
  const question = `Question number ${i}: how do I reset my password?`;
  return {
    request_id: requestId,
    tenant_id: tenant,
    task: i % 2 ? "support" : "billing",
    adapter: "acme-support",
    adapter_version: i % 2 ? "support-v1" : "billing-v1",
    route: "default",
    tone: "customer@v1",
    audience: i % 3 ? "customer" : "developer",
    user: `user-${i % 50}`,
    status: "ok",
    error: null,
    http_status: 200,
    stream: false,
    client_messages: [{ role: "user", content: question }],
    upstream_messages: [
      { role: "system", content: "You are Acme Cloud's support assistant." },
      { role: "user", content: question },
    ],
    params: {},
    tools: null,
    metadata: null,
    response_text: `Answer ${i}: open Settings, then Security, then Reset password.`,
    response_tool_calls: null,
    finish_reason: "stop",
    usage: null,
    usage_estimated: true,
    attempts: [],
    latency_ms: 10,
    ttft_ms: 5,
    created_at: 1_700_000_000_000 + i,
    ...overrides,
  };
}

export async function insertRecords(records: InteractionRecord[], chunk = 300): Promise<void> {
  for (let i = 0; i < records.length; i += chunk) await writeInteractions(env.DB, records.slice(i, i + chunk));
}

export async function insertFeedback(
  tenant: string,
  requestId: string,
  rating: 1 | -1,
  options: { user?: string; correction?: string; score?: number; tags?: string[]; at?: number } = {},
): Promise<void> {
  const at = options.at ?? Date.now();
  await env.DB.prepare(
    `INSERT INTO feedback (tenant_id, request_id, user_key, rating, score, comment, correction, tags, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 'api_key', ?, ?)
     ON CONFLICT (tenant_id, request_id, user_key, choice) DO UPDATE SET rating = excluded.rating, correction = excluded.correction,
       score = excluded.score, tags = excluded.tags, updated_at = excluded.updated_at`,
  )
    .bind(
      tenant,
      requestId,
      options.user ?? "",
      rating,
      options.score ?? null,
      options.correction ?? null,
      JSON.stringify(options.tags ?? []),
      at,
      at,
    )
    .run();
}

/** Many rated rows at once: multi-row inserts within D1's 100 bound parameters. */
export async function insertFeedbackBulk(
  tenant: string,
  requestIds: string[],
  rating: (i: number) => 1 | -1,
  at = Date.now(),
) {
  const rows = 20; // 20 rows × 5 bound values = D1's 100 bound parameters
  const statements = [];
  for (let i = 0; i < requestIds.length; i += rows) {
    const slice = requestIds.slice(i, i + rows);
    statements.push(
      env.DB.prepare(
        `INSERT INTO feedback (tenant_id, request_id, user_key, rating, score, comment, correction, tags, source, created_at, updated_at)
         VALUES ${slice.map(() => "(?, ?, '', ?, NULL, NULL, NULL, '[]', 'api_key', ?, ?)").join(", ")}`,
      ).bind(...slice.flatMap((id, j) => [tenant, id, rating(i + j), at, at])),
    );
  }
  for (let i = 0; i < statements.length; i += 200) await env.DB.batch(statements.slice(i, i + 200));
}
