// Times the LOG_QUEUE consumer on its own, through the real queue: N
// interaction records, shaped like the gateway's (messages and answer copied
// from a logged row when there is one), are put on LOG_QUEUE from Node with
// Miniflare's producer binding, as text and packed RECORDS_PER_MESSAGE to a
// message like log-producer.ts sends them.
// Miniflare's broker hands the gateway's queue() handler batches of
// max_batch_size (10 messages), one at a time, and the handler writes each batch to
// D1 in one db.batch. The queue is filled first (concurrent sendBatch
// calls), then records/s = records written after the fill ÷ time from the
// fill until D1 holds all N (D1 polled every POLL_MS): the consumer working
// through a backlog. No HTTP request or chat path is involved, so the figure
// prices broker + consumer + D1, not the gateway.
import type { InteractionRecord } from "../../src/logging/interaction-record";
import { packBodies } from "../../src/logging/log-producer";
import { round } from "./stats";
import { GATEWAY, type Stack } from "./start-stack";

const POLL_MS = 20;
const SEND_CONCURRENCY = 16;
const TIMEOUT_MS = 60_000;
/** Queues: at most 100 messages and 256 KB per sendBatch; stay under both. */
const SEND_MAX_MESSAGES = 100;
const SEND_MAX_BYTES = 200 * 1024;
const TENANT = "bench-consumer";
/** What one isolate packs in LOG_PACK_WINDOW_MS (20) at about 1,000 requests/s. */
const RECORDS_PER_MESSAGE = 20;
/** max_batch_size in wrangler.toml. */
const MESSAGES_PER_BATCH = 10;
const RECORDS_PER_BATCH = MESSAGES_PER_BATCH * RECORDS_PER_MESSAGE;

export interface ConsumerDrain {
  method: string;
  records: number;
  record_bytes: number;
  consumer_batches: number;
  /** Seconds from the first send until every sendBatch call returned. */
  fill_s: number;
  /** Records the consumer had already written by then. */
  in_d1_at_fill: number;
  /** Seconds from the first send until D1 held every record. */
  drained_s: number;
  /**
   * The consumer's rate with a backlog: (records − in_d1_at_fill) ÷ (drained_s − fill_s);
   * null when it kept up with the sender (under a tenth of the records left at the fill),
   * and then end_to_end_records_per_s is a lower bound set by the sender.
   */
  records_per_s: number | null;
  /** records ÷ drained_s, sends included. */
  end_to_end_records_per_s: number;
  /** Records in D1 when the timeout hit (equals `records` on success). */
  records_in_d1: number;
}

type Db = Awaited<ReturnType<Stack["mf"]["getD1Database"]>>;

interface Template {
  client_messages: unknown[];
  upstream_messages: unknown[];
  response_text: string | null;
  params: Record<string, unknown>;
  attempts: InteractionRecord["attempts"];
}

/** Content of one successful logged chat, or a stand-in of similar size when D1 has none yet. */
async function template(db: Db): Promise<Template> {
  const row = await db
    .prepare(
      "SELECT client_messages, upstream_messages, response_text, params, attempts FROM interactions WHERE status = 'ok' AND stream = 0 LIMIT 1",
    )
    .first<Record<string, string | null>>();
  if (row) {
    return {
      client_messages: JSON.parse(row.client_messages!),
      upstream_messages: JSON.parse(row.upstream_messages!),
      response_text: row.response_text,
      params: JSON.parse(row.params ?? "{}"),
      attempts: JSON.parse(row.attempts ?? "[]"),
    };
  }
  const user = { role: "user", content: "I was charged twice for my April invoice. Can you help me get a refund?" };
  return {
    client_messages: [user],
    upstream_messages: [{ role: "system", content: "You are Acme Cloud's support assistant. ".repeat(8) }, user],
    response_text: "Sorry about the double charge. ".repeat(12),
    params: {},
    attempts: [],
  };
}

function record(t: Template, requestId: string, i: number, now: number): InteractionRecord {
  return {
    request_id: requestId,
    tenant_id: TENANT,
    task: "support",
    adapter: "acme-support",
    adapter_version: "support-v1",
    route: "default",
    tone: "customer@v1",
    audience: "customer",
    user: `user-${i % 50}`,
    status: "ok",
    error: null,
    http_status: 200,
    stream: false,
    client_messages: t.client_messages,
    upstream_messages: t.upstream_messages,
    params: t.params,
    tools: null,
    metadata: null,
    response_text: t.response_text,
    response_tool_calls: null,
    finish_reason: "stop",
    usage: { prompt_tokens: 40, completion_tokens: 30, total_tokens: 70 },
    usage_estimated: false,
    attempts: t.attempts,
    latency_ms: 3,
    ttft_ms: null,
    created_at: now + i,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function countRows(db: Db): Promise<number> {
  const row = await db
    .prepare("SELECT count(*) AS n FROM interactions WHERE tenant_id = ?")
    .bind(TENANT)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Message bodies cut into sendBatch calls within the Queues limits. */
function chunks(bodies: string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    if (current.length === SEND_MAX_MESSAGES || (current.length > 0 && bytes + body.length > SEND_MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += body.length;
  }
  if (current.length) out.push(current);
  return out;
}

/** `records` is rounded up to whole consumer batches, so no batch waits for max_batch_timeout. */
export async function measureConsumer(stack: Stack, records: number): Promise<ConsumerDrain> {
  const n = Math.ceil(records / RECORDS_PER_BATCH) * RECORDS_PER_BATCH;
  const db = await stack.mf.getD1Database("DB", GATEWAY);
  const queue = await stack.mf.getQueueProducer<string>("LOG_QUEUE", GATEWAY);
  const t = await template(db);
  const now = Date.now();
  // Serialized as log-producer.ts does: each record as one JSON text, packed.
  const recordBodies = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ v: 1, record: record(t, `bench-consumer-${now}-${i}`, i, now) }),
  );
  const bodies = Array.from({ length: n / RECORDS_PER_MESSAGE }, (_, i) =>
    packBodies(recordBodies.slice(i * RECORDS_PER_MESSAGE, (i + 1) * RECORDS_PER_MESSAGE)),
  );
  const batches = chunks(bodies);
  const before = await countRows(db);
  const elapsed = () => (performance.now() - started) / 1000;

  const started = performance.now();
  // Fill the queue as fast as the proxy allows, so the consumer has a backlog.
  let next = 0;
  await Promise.all(
    Array.from({ length: SEND_CONCURRENCY }, async () => {
      while (next < batches.length)
        await queue.sendBatch(batches[next++].map((body) => ({ body, contentType: "text" })));
    }),
  );
  const filled = elapsed();
  const atFill = (await countRows(db)) - before;
  let inD1 = atFill;
  while (inD1 < n && elapsed() * 1000 < TIMEOUT_MS) {
    await sleep(POLL_MS);
    inD1 = (await countRows(db)) - before;
  }
  const drained = elapsed();
  return {
    method:
      `${n} records packed ${RECORDS_PER_MESSAGE} to a message and put on LOG_QUEUE from Node (Miniflare producer binding, sendBatch of ≤ 100 messages, ${SEND_CONCURRENCY} calls in flight), ` +
      `consumed by the gateway's queue() handler in batches of ${MESSAGES_PER_BATCH} messages (${RECORDS_PER_BATCH} records, one D1 batch each); ` +
      `records/s = records written after the queue was filled ÷ time from then until D1 holds all ${n} (polled every ${POLL_MS} ms)`,
    records: n,
    record_bytes: Math.round(recordBodies.reduce((s, b) => s + b.length, 0) / n),
    consumer_batches: n / RECORDS_PER_BATCH,
    fill_s: round(filled, 2),
    in_d1_at_fill: atFill,
    drained_s: round(drained, 2),
    records_per_s: n - atFill >= n / 10 && drained > filled ? Math.round((inD1 - atFill) / (drained - filled)) : null,
    end_to_end_records_per_s: Math.round(inD1 / drained),
    records_in_d1: inD1,
  };
}
