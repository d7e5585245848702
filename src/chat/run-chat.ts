// Executes a chat plan: calls the adapters in order, answers the client in
// OpenAI's wire format (streamed as it arrives, or whole), and hands exactly
// one interaction record to the log whatever happens — success, upstream
// failure, timeout, a cut stream or a client that went away.
import { signFeedbackToken } from "../auth/feedback-token";
import { numberVar } from "../vars";
import { GatewayError } from "../errors";
import { callWithFallback, type CallOutcome, type FinalFailure } from "../providers/call-with-fallback";
import { SSE_HEADERS } from "../providers/sse";
import { CompletionCapture } from "../logging/completion-capture";
import { captureStream, type StreamEnd } from "../logging/capture-stream";
import type { InteractionRecord, InteractionStatus } from "../logging/interaction-record";
import { enqueueInteraction } from "../logging/log-producer";
import type { ChatCompletionRequest } from "../schemas/chat";
import type { ChatPlan } from "./plan-chat";

export interface ChatRun {
  env: Env;
  waitUntil: (promise: Promise<unknown>) => void;
  requestId: string;
  tenantId: string;
  startedAt: number;
  clientSignal: AbortSignal;
  body: ChatCompletionRequest;
  plan: ChatPlan;
  now?: () => number;
  clock?: () => number;
}

function promptChars(messages: unknown[]): number {
  let n = 0;
  for (const m of messages as { content?: unknown }[]) {
    if (typeof m.content === "string") n += m.content.length;
    else if (Array.isArray(m.content)) for (const p of m.content) n += typeof p?.text === "string" ? p.text.length : 0;
  }
  return n;
}

function failureError(failure: FinalFailure): GatewayError {
  switch (failure.kind) {
    case "timeout":
      return new GatewayError(504, "timeout_error", "upstream_timeout", { message: failure.message });
    case "client_aborted":
      return new GatewayError(499 as never, "invalid_request_error", "client_closed_request", {
        message: failure.message,
      });
    case "network":
      return new GatewayError(502, "upstream_error", "upstream_unreachable", {
        message: `Upstream unreachable: ${failure.message}`,
      });
    case "http":
      if (failure.status === 429) {
        return new GatewayError(429, "rate_limit_error", "rate_limit_exceeded", {
          message: `Upstream rate limit: ${failure.message}`,
          headers: failure.retryAfter ? { "retry-after": failure.retryAfter } : {},
        });
      }
      if (failure.status === 400 || failure.status === 413 || failure.status === 422) {
        return new GatewayError(400, "invalid_request_error", "upstream_rejected", { message: failure.message });
      }
      return new GatewayError(502, "upstream_error", "upstream_error", {
        message: `Upstream error ${failure.status}: ${failure.message}`,
      });
  }
}

function statusOf(failure: FinalFailure): InteractionStatus {
  if (failure.kind === "timeout") return "timeout";
  if (failure.kind === "client_aborted") return "client_aborted";
  return "upstream_error";
}

export async function runChat(run: ChatRun): Promise<Response> {
  const now = run.now ?? (() => performance.now());
  const clock = run.clock ?? Date.now;
  const { plan, body, requestId } = run;
  const createdAt = clock();
  const outcome: CallOutcome = await callWithFallback(plan.targets, {
    body: plan.upstreamBody,
    stream: plan.stream,
    env: run.env,
    clientSignal: run.clientSignal,
    now,
  });
  const upstreamDoneAt = now();
  const upstreamMs = outcome.attempts.reduce((sum, a) => sum + a.ms, 0);
  const served = outcome.ok ? outcome.target : plan.targets[0];
  const capture = new CompletionCapture(now);
  // INTERACTION_LOGGING=off exists for the benchmark's with/without
  // comparison (and deployments that must not keep conversations).
  const log = (r: InteractionRecord) =>
    run.env.INTERACTION_LOGGING === "off" ? Promise.resolve() : enqueueInteraction(run.env, r);
  const chars = promptChars(plan.upstreamBody.messages as unknown[]);

  const record = (status: InteractionStatus, error: string | null, httpStatus: number): InteractionRecord => ({
    request_id: requestId,
    tenant_id: run.tenantId,
    task: plan.task,
    adapter: served.adapter.name,
    adapter_version: served.adapter.version,
    route: plan.rule,
    tone: plan.tone,
    audience: plan.audience,
    user: plan.user,
    status,
    error,
    http_status: httpStatus,
    stream: plan.stream,
    client_messages: body.messages,
    upstream_messages: plan.upstreamBody.messages as unknown[],
    params: Object.fromEntries(Object.entries(plan.upstreamBody).filter(([k]) => k !== "messages" && k !== "tools")),
    tools: (body.tools as unknown[] | undefined) ?? null,
    metadata: body.metadata ?? null,
    response_text: capture.text || null,
    response_tool_calls: capture.toolCalls.length ? capture.toolCalls : null,
    finish_reason: capture.finishReason,
    usage: status === "ok" || capture.text ? capture.finalUsage(chars) : capture.usage,
    usage_estimated: capture.usageEstimated,
    attempts: outcome.attempts,
    latency_ms: Math.round(now() - run.startedAt),
    ttft_ms: capture.firstTokenAt === null ? null : Math.round(capture.firstTokenAt - run.startedAt),
    created_at: createdAt,
  });

  if (!outcome.ok) {
    const error = failureError(outcome.failure);
    run.waitUntil(log(record(statusOf(outcome.failure), error.message, error.status)));
    error.headers["x-switchyard-adapter"] = served.adapter.name;
    error.headers["x-switchyard-adapter-version"] = served.adapter.version;
    error.headers["x-switchyard-route"] = plan.rule;
    throw error;
  }

  const ttlSeconds = numberVar(run.env.FEEDBACK_TOKEN_TTL_SECONDS, 86400);
  const gatewayMs = Math.max(0, upstreamDoneAt - run.startedAt - upstreamMs);
  // A plain object, handed to the Response once: each Headers.set is a call
  // into the runtime, and this runs on every answer.
  const headers: Record<string, string> = {
    "x-switchyard-adapter": served.adapter.name,
    "x-switchyard-adapter-version": served.adapter.version,
    "x-switchyard-route": plan.rule,
    "x-switchyard-feedback-token": await signFeedbackToken(
      run.env.FEEDBACK_SIGNING_KEY,
      run.tenantId,
      requestId,
      Math.floor(clock() / 1000) + ttlSeconds,
    ),
    "server-timing": `gateway;dur=${gatewayMs.toFixed(1)}, upstream;dur=${upstreamMs}`,
  };
  if (plan.tone) headers["x-switchyard-tone"] = plan.tone;
  if (plan.clamped.length) headers["x-switchyard-clamped"] = plan.clamped.join(",");
  const model = `${plan.task}@${served.adapter.version}`;
  const created = Math.floor(createdAt / 1000);

  if (plan.stream) {
    let resolveEnd!: (end: StreamEnd) => void;
    const ended = new Promise<StreamEnd>((resolve) => (resolveEnd = resolve));
    run.waitUntil(ended.then((end) => log(record(end.status, end.status === "ok" ? null : end.error, 200))));
    const stream = captureStream(outcome.response.body!, {
      id: requestId,
      model,
      created,
      includeUsage: plan.includeUsage,
      promptChars: chars,
      idleTimeoutMs: served.upstream.timeout_ms,
      capture,
      abortUpstream: outcome.abort,
      onEnd: resolveEnd,
    });
    return new Response(stream, { status: 200, headers: { ...headers, ...SSE_HEADERS } });
  }

  let completion: Record<string, unknown> & { choices?: { message?: never; finish_reason?: string }[]; usage?: never };
  try {
    completion = JSON.parse(outcome.text ?? "");
  } catch {
    const error = new GatewayError(502, "upstream_error", "upstream_error", {
      message: "Upstream sent a malformed completion.",
    });
    run.waitUntil(log(record("upstream_error", error.message, 502)));
    throw error;
  }
  const choice = completion.choices?.[0];
  capture.setMessage(choice?.message);
  capture.finishReason = choice?.finish_reason ?? null;
  if (completion.usage) capture.usage = completion.usage;
  completion.id = requestId;
  completion.model = model;
  completion.created = created;
  completion.usage = capture.finalUsage(chars) as never;
  run.waitUntil(log(record("ok", null, 200)));
  headers["content-type"] = "application/json";
  return new Response(JSON.stringify(completion), { status: 200, headers });
}
