// Types of the export core: what the D1 query hands in (ExportRow) and is
// asked for (ExportFilters), what the caller asks for (ExportOptions) and the
// messages the formats emit.
//
// Rows come from JSON columns written by the log consumer, so the message
// types here are deliberately loose (`unknown` where a stored value may be
// anything): the normalizer checks every field instead of trusting a type.
// They are structurally compatible with the wire types in src/schemas/chat.ts
// and src/logging/interaction-record.ts without importing them, which keeps
// this folder free of zod/Hono and runnable as plain Node unit tests.
import type { ExportFormat } from "../schemas/export-formats";

/** OpenAI tool call, as logged (arguments is a JSON text). */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A chat message as stored: any OpenAI role, content string | parts | null. */
export interface StoredMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
  tool_call_id?: unknown;
  name?: unknown;
}

export type InteractionStatus = "ok" | "upstream_error" | "client_aborted" | "timeout";

export interface ExportInteraction {
  request_id: string;
  tenant_id: string;
  task: string;
  adapter: string | null;
  adapter_version: string | null;
  audience: string | null;
  /** "name@version" of the applied tone preset, or null. */
  tone: string | null;
  status: InteractionStatus;
  /** epoch ms */
  created_at: number;
  /** As the client sent them. */
  client_messages: StoredMessage[];
  /** As sent upstream: the tone preset may have merged/added a leading system message. */
  upstream_messages: StoredMessage[];
  tools: unknown[] | null;
  response_text: string | null;
  response_tool_calls: ToolCall[] | null;
  finish_reason: string | null;
  /** The row was too big for D1 and holds no bodies; the full record is only in R2. */
  too_large?: boolean;
}

export interface FeedbackEntry {
  user: string | null;
  rating: 1 | -1;
  /** 0..1 */
  score: number | null;
  comment: string | null;
  correction: string | null;
  tags: string[];
  /** epoch ms */
  updated_at: number;
}

/** Which interactions an export reads (the D1 source scopes every query by tenant as well). */
export interface ExportFilters {
  task?: string;
  adapter?: string;
  version?: string;
  audience?: string;
  /** created_at >= since (epoch ms) */
  since?: number;
  /** created_at < until (epoch ms) */
  until?: number;
  /** Feed window: only rows with feedback updated in (after, upTo]. */
  feedbackAfter?: number;
  feedbackUpTo?: number;
}

/** One interaction and all its feedback (one entry per user), as the query returns it. */
export interface ExportRow {
  interaction: ExportInteraction;
  feedback: FeedbackEntry[];
  /** The rated choice of an n > 1 completion (its answer is in `interaction`); absent or 0 for a single answer. */
  choice?: number;
}

/**
 * as_sent: the system prompt the model saw (tone preset applied);
 * client: the client's own system prompt; none: no system message at all.
 */
export type SystemMode = "as_sent" | "client" | "none";
export type Split = "train" | "validation";

export interface ExportOptions {
  format: ExportFormat;
  system: SystemMode;
  redact: boolean;
  dedup: boolean;
  /** Emit only this side of the split; undefined = everything. */
  split?: Split;
  /** Share of prompts that fall in "validation", in [0, 1]. */
  valRatio: number;
  /** Keep rows whose mean feedback score is >= this (rows without a score are dropped, as SQL's `score >= x` drops NULL). */
  minScore?: number;
  /** Keep rows whose feedback carries at least one of these tags. */
  tags?: string[];
}

// ---- Emitted messages: the only shapes a trainer ever sees. ----

export interface SystemMsg {
  role: "system";
  content: string;
}
export interface UserMsg {
  role: "user";
  content: string;
}
export interface AssistantMsg {
  role: "assistant";
  /** Absent only when tool_calls carries the turn. */
  content?: string;
  tool_calls?: ToolCall[];
  /** openai-sft only: 0 = context, not trained on. */
  weight?: 0 | 1;
}
export interface ToolMsg {
  role: "tool";
  tool_call_id: string;
  content: string;
}
export type Msg = SystemMsg | UserMsg | AssistantMsg | ToolMsg;

/** Why a row (or one candidate example of it) produced no line. */
export type SkipReason =
  | "status_not_ok"
  | "no_feedback"
  | "mixed_feedback"
  | "below_min_score"
  | "tags_not_matched"
  | "unsupported_content"
  | "no_user_turn"
  | "system_not_first"
  | "invalid_role_order"
  | "unanswered_tool_call"
  | "empty_tool_result"
  | "prompt_not_ending_with_user"
  | "empty_response"
  | "truncated_response"
  | "negative_without_correction"
  | "tool_calls_in_preference"
  | "identical_pair"
  | "no_opposite_answer"
  | "pair_evicted"
  /** Too big for a D1 row (e.g. a large inline image); the record is kept in R2 only. */
  | "too_large";

export interface ExportStats {
  format: ExportFormat;
  rows_seen: number;
  examples: number;
  skipped: Partial<Record<SkipReason, number>>;
  deduped: number;
  /** Rows that belong to the other side of the split. */
  split_excluded: number;
  /** Lines the dedup set could no longer remember (past its cap); they were emitted. */
  dedup_untracked: number;
}
