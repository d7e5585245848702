// The interaction record: everything needed to audit a completion and to
// turn it into training data later — the messages both as the client sent
// them and as the model saw them (tone preset applied), the answer, and how
// it went. One record per chat request, whatever the outcome.
import type { AttemptRecord } from "../providers/call-with-fallback";
import type { Usage } from "../schemas/chat";
import type { CapturedChoice, CapturedToolCall } from "./completion-capture";

export type InteractionStatus = "ok" | "upstream_error" | "client_aborted" | "timeout";

export interface InteractionRecord {
  request_id: string;
  /** The caller's own id (x-client-request-id); not unique. */
  client_request_id?: string | null;
  /**
   * The upstream's own completion id (the `id` of its chunks or body), when
   * it sent one. In native stream mode it is the id the client's chunks
   * carry, and POST /v1/feedback accepts it in place of request_id.
   */
  upstream_id?: string | null;
  tenant_id: string;
  task: string;
  adapter: string | null;
  adapter_version: string | null;
  route: string | null;
  tone: string | null;
  audience: string | null;
  user: string | null;
  status: InteractionStatus;
  error: string | null;
  http_status: number;
  stream: boolean;
  client_messages: unknown[];
  upstream_messages: unknown[];
  params: Record<string, unknown>;
  tools: unknown[] | null;
  metadata: Record<string, string> | null;
  response_text: string | null;
  /** Every choice when the request asked for n > 1 (choice 0 is also response_text); null otherwise. */
  response_choices?: CapturedChoice[] | null;
  response_tool_calls: CapturedToolCall[] | null;
  finish_reason: string | null;
  usage: Usage | null;
  usage_estimated: boolean;
  attempts: AttemptRecord[];
  latency_ms: number;
  ttft_ms: number | null;
  created_at: number;
  /**
   * Where in R2 the full record is, on a record that went there (never sent
   * on the queue: the consumer sets it on what it reads from R2, the producer
   * on its copy for the direct-write fallback), so a row too big for D1 can
   * leave out its bodies and still be written.
   */
  blob_key?: string;
}

/** A record as it travels on LOG_QUEUE: the messages it shares once (queued-messages.ts). */
export type QueuedRecord = InteractionRecord & {
  /** upstream_messages = upstream_messages ++ client_messages.slice(upstream_from_client). */
  upstream_from_client?: number;
};

/** One record on LOG_QUEUE: the record itself, or where in R2 it was put. */
export type LogMessage =
  { v: 1; record: QueuedRecord } | { v: 1; pointer: string; request_id: string; tenant_id: string };

/** A queue message: one LogMessage, or several packed together (message-packer.ts). */
export type LogQueueBody = LogMessage | { v: 2; messages: LogMessage[] };
