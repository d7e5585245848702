// Builds the one interaction record of a chat request from what the chat path
// knows at its start (who, which route, the messages as sent and as the model
// saw them) and what the capture collected by its end (answer, usage, timings).
// Usage the upstream did not report is estimated (completion-capture.ts).
import type { InteractionRecord, InteractionStatus } from "./interaction-record";
import type { CompletionCapture } from "./completion-capture";
import type { AttemptRecord } from "../providers/call-with-fallback";

/** What is fixed before the upstream is called. */
export interface RecordStart {
  requestId: string;
  clientRequestId: string | null;
  tenantId: string;
  task: string;
  adapter: { name: string; version: string };
  route: string;
  tone: string | null;
  audience: string | null;
  user: string | null;
  stream: boolean;
  /** The client's request body (messages, tools, metadata). */
  client: { messages: unknown[]; tools?: unknown[] | null; metadata?: Record<string, string> | null };
  /** The body sent upstream: tone applied, gateway-only fields removed. */
  upstreamBody: Record<string, unknown>;
  /** promptChars(upstreamBody.messages), counted once by the caller. */
  promptChars: number;
  /** clock.nowMs() when the request arrived. */
  createdAt: number;
  /** clock.monotonicMs() when the request arrived. */
  startedAt: number;
}

export interface RecordEnd {
  status: InteractionStatus;
  error: string | null;
  httpStatus: number;
  attempts: AttemptRecord[];
  /** clock.monotonicMs() now. */
  endedAt: number;
}

/** Characters of text in the prompt, for the usage estimate when the upstream sends none. */
export function promptChars(messages: unknown[]): number {
  let n = 0;
  for (const m of messages as { content?: unknown }[]) {
    if (typeof m.content === "string") n += m.content.length;
    else if (Array.isArray(m.content)) for (const p of m.content) n += typeof p?.text === "string" ? p.text.length : 0;
  }
  return n;
}

export function buildRecord(start: RecordStart, capture: CompletionCapture, end: RecordEnd): InteractionRecord {
  const upstreamMessages = start.upstreamBody.messages as unknown[];
  return {
    request_id: start.requestId,
    client_request_id: start.clientRequestId,
    upstream_id: capture.upstreamId,
    tenant_id: start.tenantId,
    task: start.task,
    adapter: start.adapter.name,
    adapter_version: start.adapter.version,
    route: start.route,
    tone: start.tone,
    audience: start.audience,
    user: start.user,
    status: end.status,
    error: end.error,
    http_status: end.httpStatus,
    stream: start.stream,
    client_messages: start.client.messages,
    upstream_messages: upstreamMessages,
    params: Object.fromEntries(Object.entries(start.upstreamBody).filter(([k]) => k !== "messages" && k !== "tools")),
    tools: start.client.tools ?? null,
    metadata: start.client.metadata ?? null,
    response_text: capture.text || null,
    response_choices: capture.allChoices(),
    response_tool_calls: capture.toolCalls.length ? capture.toolCalls : null,
    finish_reason: capture.finishReason,
    usage: end.status === "ok" || capture.text ? capture.finalUsage(start.promptChars) : capture.usage,
    usage_estimated: capture.usageEstimated,
    attempts: end.attempts,
    latency_ms: Math.round(end.endedAt - start.startedAt),
    ttft_ms: capture.firstTokenAt === null ? null : Math.round(capture.firstTokenAt - start.startedAt),
    created_at: start.createdAt,
  };
}
