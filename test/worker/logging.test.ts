// The interaction log end to end: 500 concurrent requests of every kind give
// exactly 500 records with the right status; redelivered queue messages write
// nothing twice; a record over the queue's 128 KB limit travels through R2.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { InteractionRecord } from "../../src/logging/interaction-record";
import { blobKeyFor } from "../../src/logging/log-producer";
import { COLUMNS, toRow } from "../../src/logging/write-interactions";
import { chat } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

async function waitForCount(prefix: string, expected: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM interactions WHERE request_id LIKE ?")
      .bind(`${prefix}%`)
      .first<{ n: number }>();
    if (row!.n >= expected || Date.now() > deadline) return row!.n;
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Kind = "ok" | "ok-stream" | "fail" | "fail-stream-cut" | "abort-stream" | "timeout";
const expectedStatus: Record<Kind, string> = {
  ok: "ok",
  "ok-stream": "ok",
  fail: "upstream_error",
  "fail-stream-cut": "upstream_error",
  "abort-stream": "client_aborted",
  timeout: "timeout",
};

async function fire(kind: Kind, requestId: string) {
  const headers = { "x-request-id": requestId };
  const key = KEYS.testco;
  const body =
    kind === "ok"
      ? { model: "ok" }
      : kind === "ok-stream"
        ? { model: "ok", stream: true }
        : kind === "fail"
          ? { model: "fail500" }
          : kind === "fail-stream-cut"
            ? { model: "cut", stream: true }
            : kind === "abort-stream"
              ? { model: "slow", stream: true }
              : { model: "hang" };
  const { response, settled } = await chat(body, { key, headers });
  if (kind === "abort-stream") {
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel("gone");
  } else {
    await response.text().catch(() => {});
  }
  await settled();
}

describe("interaction capture", () => {
  it("writes nothing when INTERACTION_LOGGING is off", async () => {
    const off = { key: KEYS.testco, env: { INTERACTION_LOGGING: "off" } as Partial<Env> };
    const { response, settled } = await chat({ model: "ok" }, off);
    expect(response.status).toBe(200);
    await settled();
    await new Promise((r) => setTimeout(r, 1500));
    const row = await env.DB.prepare("SELECT 1 FROM interactions WHERE request_id = ?")
      .bind(response.headers.get("x-request-id"))
      .first();
    expect(row).toBeNull();
  });

  it("500 concurrent mixed requests leave exactly 500 records, each with the right status", async () => {
    const run = `load-${crypto.randomUUID().slice(0, 8)}-`;
    const kinds: Kind[] = [
      "ok",
      "ok-stream",
      "ok",
      "ok-stream",
      "fail",
      "fail-stream-cut",
      "abort-stream",
      "timeout",
      "ok",
      "ok-stream",
    ];
    const plan = Array.from({ length: 500 }, (_, i) => ({
      id: `${run}${String(i).padStart(3, "0")}`,
      kind: kinds[i % kinds.length],
    }));
    await Promise.all(plan.map((p) => fire(p.kind, p.id)));
    expect(await waitForCount(run, 500)).toBe(500);
    const { results } = await env.DB.prepare("SELECT request_id, status FROM interactions WHERE request_id LIKE ?")
      .bind(`${run}%`)
      .all<{ request_id: string; status: string }>();
    expect(results).toHaveLength(500);
    const byId = new Map(results.map((r) => [r.request_id, r.status]));
    for (const p of plan) expect([p.id, byId.get(p.id)]).toEqual([p.id, expectedStatus[p.kind]]);
  }, 90_000);
});

function record(requestId: string, overrides: Partial<InteractionRecord> = {}): InteractionRecord {
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

async function deliver(messages: { id: string; body: unknown }[]) {
  const batch = createMessageBatch(
    "switchyard-log",
    messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as never, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("request ids across tenants", () => {
  it("two tenants sending the same x-request-id each keep their own interaction", async () => {
    const id = `shared-${crypto.randomUUID()}`;
    const a = await chat({ model: "support" }, { key: KEYS.acme, headers: { "x-request-id": id } });
    const b = await chat({ model: "tutoring" }, { key: KEYS.globex, headers: { "x-request-id": id } });
    await Promise.all([a.settled(), b.settled()]);
    await waitForCount(id, 2);
    const { results } = await env.DB.prepare(
      "SELECT tenant_id FROM interactions WHERE request_id = ? ORDER BY tenant_id",
    )
      .bind(id)
      .all<{ tenant_id: string }>();
    expect(results.map((r) => r.tenant_id)).toEqual(["acme", "globex"]);
  });
});

describe("queue consumer", () => {
  it("maps every column of the interactions table", () => {
    expect(Object.keys(toRow(record("columns-check"))).sort()).toEqual([...COLUMNS].sort());
  });

  it("writes a redelivered batch once (idempotent by request id)", async () => {
    const prefix = `redeliver-${crypto.randomUUID().slice(0, 8)}-`;
    const ids = Array.from({ length: 150 }, (_, i) => `${prefix}${i}`);
    const messages = ids
      .slice(0, 100)
      .map((id, i) => ({ id: `m${i}`, body: JSON.stringify({ v: 1, record: record(id) }) }));
    const first = await deliver(messages);
    expect(first.explicitAcks.length + (first.ackAll ? messages.length : 0)).toBeGreaterThan(0);
    const again = await deliver(messages); // at-least-once: the same messages again
    expect(again.retryBatch.retry).toBe(false);
    const overlap = ids.slice(50).map((id, i) => ({
      id: `o${i}`,
      body: JSON.stringify({ v: 1, record: record(id, { response_text: "changed" }) }),
    }));
    await deliver(overlap);
    const { results } = await env.DB.prepare(
      "SELECT request_id, response_text FROM interactions WHERE request_id LIKE ?",
    )
      .bind(`${prefix}%`)
      .all<{ request_id: string; response_text: string }>();
    expect(results).toHaveLength(150);
    expect(new Set(results.map((r) => r.request_id)).size).toBe(150);
    // The first write wins: a redelivery never overwrites a stored record.
    expect(results.find((r) => r.request_id === ids[60])!.response_text).toBe("hello");
  });

  it("retries the batch, and writes nothing, when a payload cannot be resolved", async () => {
    const id = `missing-${crypto.randomUUID()}`;
    const result = await deliver([
      { id: "a", body: JSON.stringify({ v: 1, record: record(`${id}-inline`) }) },
      {
        id: "b",
        body: JSON.stringify({ v: 1, pointer: `interactions/testco/${id}.json`, request_id: id, tenant_id: "testco" }),
      },
    ]);
    expect(result.retryBatch.retry).toBe(true);
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM interactions WHERE request_id LIKE ?")
      .bind(`${id}%`)
      .first<{ n: number }>();
    expect(row!.n).toBe(0);
  });

  it("stores a 300 KB response through R2 and writes it whole to D1", async () => {
    const big = "x".repeat(300 * 1024);
    const ai = { run: async () => ({ response: big }) };
    const { response, settled } = await chat({ model: "ai" }, { key: KEYS.testco, env: { AI: ai } as never });
    expect(response.status).toBe(200);
    expect(
      (await response.json<{ choices: { message: { content: string } }[] }>()).choices[0].message.content,
    ).toHaveLength(big.length);
    await settled();
    const requestId = response.headers.get("x-request-id")!;
    const object = await env.BLOBS.get(blobKeyFor({ tenant_id: "testco", request_id: requestId }));
    expect(object).not.toBeNull();
    await waitForCount(requestId, 1);
    const row = await env.DB.prepare("SELECT response_text, status FROM interactions WHERE request_id = ?")
      .bind(requestId)
      .first<{ response_text: string; status: string }>();
    expect(row!.status).toBe("ok");
    expect(row!.response_text).toHaveLength(big.length);
  });
});
