// Builds ExportRows for tests that need many of them; goldens use the
// hand-written fixtures/rows.json instead.
import type { ExportRow, FeedbackEntry, StoredMessage } from "../../../src/export/types";

export interface RowSpec {
  id?: string;
  user?: string;
  messages?: StoredMessage[];
  upstream?: StoredMessage[];
  response?: string | null;
  rating?: 1 | -1;
  correction?: string | null;
  score?: number | null;
  tags?: string[];
  feedback?: FeedbackEntry[];
  finish?: string | null;
  status?: ExportRow["interaction"]["status"];
  tools?: unknown[] | null;
  toolCalls?: ExportRow["interaction"]["response_tool_calls"];
}

let seq = 0;

export function makeRow(spec: RowSpec = {}): ExportRow {
  const n = ++seq;
  const messages = spec.messages ?? [{ role: "user", content: spec.user ?? `question ${n}` }];
  return {
    interaction: {
      request_id: spec.id ?? `req_${n}`,
      tenant_id: "acme",
      task: "support",
      adapter: "support-lora",
      adapter_version: "v1",
      audience: null,
      tone: null,
      status: spec.status ?? "ok",
      created_at: 1_764_115_200_000 + n,
      client_messages: messages,
      upstream_messages: spec.upstream ?? messages,
      tools: spec.tools ?? null,
      response_text: spec.response === undefined ? `answer ${n}` : spec.response,
      response_tool_calls: spec.toolCalls ?? null,
      finish_reason: spec.finish === undefined ? "stop" : spec.finish,
    },
    feedback: spec.feedback ?? [
      {
        user: "u1",
        rating: spec.rating ?? 1,
        score: spec.score ?? null,
        comment: null,
        correction: spec.correction ?? null,
        tags: spec.tags ?? [],
        updated_at: 1_764_115_300_000 + n,
      },
    ],
  };
}
