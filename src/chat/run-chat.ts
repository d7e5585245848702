// Executes a chat plan: calls the adapters in order, answers the client in
// OpenAI's wire format (streamed as it arrives, or whole), and hands exactly
// one interaction record to the log whatever happens — success, upstream
// failure, timeout, a cut stream or a client that went away.
import { signFeedbackToken } from "../auth/feedback-token";
import { epochSeconds, type Clock } from "../clock";
import type { GatewayConfig } from "../config";
import { upstreamMalformed } from "../errors";
import { callWithFallback, type CallOutcome, type FinalFailure } from "../providers/call-with-fallback";
import { SSE_HEADERS } from "../providers/sse";
import { CompletionCapture } from "../logging/completion-capture";
import { captureStream, type StreamEnd } from "../logging/capture-stream";
import { nativeStream } from "../stream/native-stream";
import type { InteractionRecord, InteractionStatus } from "../logging/interaction-record";
import { enqueueInteraction } from "../logging/log-producer";
import { buildRecord, promptChars, type RecordStart } from "../logging/record-builder";
import type { ChatLimits } from "../limits/admit-chat";
import type { ChatCompletionRequest } from "../schemas/chat";
import { upstreamFailureError } from "./chat-errors";
import type { ChatPlan } from "./plan-chat";
import type { UpstreamPool } from "../upstreams/upstream-pool";

export interface ChatRun {
  env: Env;
  waitUntil: (promise: Promise<unknown>) => void;
  requestId: string;
  clientRequestId: string | null;
  tenantId: string;
  startedAt: number;
  clientSignal: AbortSignal;
  body: ChatCompletionRequest;
  plan: ChatPlan;
  config: GatewayConfig;
  clock: Clock;
  /** The isolate's replica health, inventory and LoRA loads (src/upstreams). */
  upstreams?: UpstreamPool;
  /** The tenant's limits (src/limits/admit-chat.ts): headers for the answer, told the tokens once it ends. */
  limits?: ChatLimits;
}

/** What a request counts against a token budget: prompt + completion, as recorded. */
const tokensOf = (record: InteractionRecord) =>
  (record.usage?.prompt_tokens ?? 0) + (record.usage?.completion_tokens ?? 0);

function statusOf(failure: FinalFailure): InteractionStatus {
  if (failure.kind === "timeout") return "timeout";
  if (failure.kind === "client_aborted") return "client_aborted";
  return "upstream_error";
}

export async function runChat(run: ChatRun): Promise<Response> {
  // The record this request owes is in waitUntil before the upstream is
  // called: a client that disconnects cancels the request itself, and only
  // waitUntil work outlives it, so a client gone during a fallback still
  // leaves its record. It settles once the record is handed to the log.
  let settleOwed!: (logged: Promise<unknown>) => void;
  run.waitUntil(new Promise<unknown>((resolve) => (settleOwed = resolve)));
  try {
    return await execute(run, settleOwed);
  } catch (error) {
    settleOwed(Promise.resolve()); // no-op when the record was logged already
    run.limits?.settle(0); // likewise: a stream lease must not outlive its request
    throw error;
  }
}

async function execute(run: ChatRun, settleOwed: (logged: Promise<unknown>) => void): Promise<Response> {
  const { plan, body, requestId, clock, config } = run;
  const monotonic = () => clock.monotonicMs();
  const createdAt = clock.nowMs();
  // Signed while the upstream works (it depends on nothing in the answer).
  // No key (development only; production refuses to start without one): no token.
  const feedbackToken = config.feedbackSigningKey
    ? signFeedbackToken(
        config.feedbackSigningKey,
        run.tenantId,
        requestId,
        epochSeconds(clock) + config.feedbackTokenTtlSeconds,
      )
    : null;
  feedbackToken?.catch(() => {}); // an answer that fails never reads it
  const outcome: CallOutcome = await callWithFallback(plan.targets, {
    body: plan.upstreamBody,
    stream: plan.stream,
    env: run.env,
    clientSignal: run.clientSignal,
    now: monotonic,
    pool: run.upstreams,
    tenant: run.tenantId,
    waitUntil: run.waitUntil,
  });
  const upstreamDoneAt = monotonic();
  const attempts = plan.skipped.length ? [...plan.skipped, ...outcome.attempts] : outcome.attempts;
  const upstreamMs = outcome.attempts.reduce((sum, a) => sum + a.ms, 0);
  const served = outcome.ok ? outcome.target : plan.targets[0];
  const capture = new CompletionCapture(monotonic);
  // INTERACTION_LOGGING=off exists for the benchmark's with/without
  // comparison (and deployments that must not keep conversations).
  const logSettings = { windowMs: config.logPackWindowMs, clock };
  const log = (r: InteractionRecord) => {
    const sent = config.interactionLogging ? enqueueInteraction(run.env, r, logSettings) : Promise.resolve();
    settleOwed(sent);
    run.limits?.settle(tokensOf(r));
  };
  const chars = promptChars(plan.upstreamBody.messages as unknown[]);
  const start: RecordStart = {
    requestId,
    clientRequestId: run.clientRequestId,
    tenantId: run.tenantId,
    task: plan.task,
    adapter: served.adapter,
    route: plan.rule,
    tone: plan.tone,
    audience: plan.audience,
    user: plan.user,
    stream: plan.stream,
    client: body as RecordStart["client"],
    upstreamBody: plan.upstreamBody,
    promptChars: chars,
    createdAt,
    startedAt: run.startedAt,
  };
  const record = (
    status: InteractionStatus,
    error: string | null,
    httpStatus: number,
    endedAt = monotonic(),
  ): InteractionRecord => buildRecord(start, capture, { status, error, httpStatus, attempts, endedAt });

  if (!outcome.ok) {
    const error = upstreamFailureError(outcome.failure);
    log(record(statusOf(outcome.failure), error.message, error.status));
    error.headers["x-switchyard-adapter"] = served.adapter.name;
    error.headers["x-switchyard-adapter-version"] = served.adapter.version;
    error.headers["x-switchyard-route"] = plan.rule;
    throw error;
  }

  const gatewayMs = Math.max(0, upstreamDoneAt - run.startedAt - upstreamMs);
  // A plain object, handed to the Response once: each Headers.set is a call
  // into the runtime, and this runs on every answer.
  const headers: Record<string, string> = {
    "x-switchyard-adapter": served.adapter.name,
    "x-switchyard-adapter-version": served.adapter.version,
    "x-switchyard-route": plan.rule,
    "server-timing": `gateway;dur=${gatewayMs.toFixed(1)}, upstream;dur=${upstreamMs}`,
    ...run.limits?.headers,
  };
  if (feedbackToken) headers["x-switchyard-feedback-token"] = await feedbackToken;
  if (plan.tone) headers["x-switchyard-tone"] = plan.tone;
  if (plan.clamped.length) headers["x-switchyard-clamped"] = plan.clamped.join(",");
  const model = `${plan.task}@${served.adapter.version}`;
  const created = Math.floor(createdAt / 1000);

  if (plan.stream) {
    const onEnd = (end: StreamEnd, endedAt: number) =>
      log(record(end.status, end.status === "ok" ? null : end.error, 200, endedAt));
    const common = {
      includeUsage: plan.includeUsage,
      idleTimeoutMs: served.upstream.timeout_ms,
      capture,
      clock,
      abortUpstream: outcome.abort,
      onEnd,
    };
    // An operator may let an upstream's chunks through as sent (its ids and model name), piped natively.
    const stream =
      served.upstream.stream_mode === "native"
        ? nativeStream(outcome.response.body!, common)
        : captureStream(outcome.response.body!, { ...common, id: requestId, model, created, promptChars: chars });
    return new Response(stream, { status: 200, headers: { ...headers, ...SSE_HEADERS } });
  }

  let completion: Record<string, unknown> & {
    choices?: { index?: number; message?: never; finish_reason?: string }[];
    usage?: never;
  };
  try {
    completion = JSON.parse(outcome.text ?? "");
  } catch {
    const error = upstreamMalformed();
    log(record("upstream_error", error.message, 502));
    throw error;
  }
  const choices = completion.choices ?? [];
  if (choices.length === 0) capture.setMessage(undefined);
  for (const [position, choice] of choices.entries()) {
    const into = capture.choice(choice.index ?? position);
    into.setMessage(choice.message);
    into.finishReason = choice.finish_reason ?? null;
  }
  if (completion.usage) capture.usage = completion.usage;
  capture.noteUpstreamId(completion.id);
  completion.id = requestId;
  completion.model = model;
  completion.created = created;
  completion.usage = capture.finalUsage(chars) as never;
  log(record("ok", null, 200));
  headers["content-type"] = "application/json";
  return new Response(JSON.stringify(completion), { status: 200, headers });
}
