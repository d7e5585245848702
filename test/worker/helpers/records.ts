// An interaction record as the chat path would log it, for tests that write
// records straight to the consumer or to D1.
import type { InteractionRecord } from "../../../src/logging/interaction-record";

export function interactionRecord(requestId: string, overrides: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    request_id: requestId,
    tenant_id: "testco",
    task: "ok",
    adapter: "test-ok",
    adapter_version: "ok-v1",
    route: "ok-rule",
    tone: null,
    audience: null,
    user: null,
    status: "ok",
    error: null,
    http_status: 200,
    stream: false,
    client_messages: [{ role: "user", content: "hi" }],
    upstream_messages: [{ role: "user", content: "hi" }],
    params: {},
    tools: null,
    metadata: null,
    response_text: "hello",
    response_tool_calls: null,
    finish_reason: "stop",
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    usage_estimated: false,
    attempts: [],
    latency_ms: 5,
    ttft_ms: 3,
    created_at: Date.now(),
    ...overrides,
  };
}
