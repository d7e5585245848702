// The interaction log end to end: 500 concurrent requests of every kind give
// exactly 500 records with the right status; records finished together travel
// packed in one queue message; redelivered queue messages write nothing twice;
// a record over the queue's 128 KB limit travels through R2.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../src/clock";
import type { InteractionRecord } from "../../src/logging/interaction-record";
import { blobKeyFor, enqueueInteraction, MAX_RECORDS_PER_MESSAGE } from "../../src/logging/log-producer";
import { retryDelaySeconds, unpack } from "../../src/logging/log-consumer";
import { toQueued } from "../../src/logging/queued-messages";
import { COLUMNS, rowChunks, toRow, writeInteractions } from "../../src/logging/write-interactions";
import { chat, gateway } from "./helpers/gateway";
import { interactionRecord } from "./helpers/records";
import { KEYS } from "./helpers/seed";

/**
 * Polls D1 until `expected` records with the prefix are in, as the real queue
 * delivers them in its own time; the interval only paces the polling.
 */
async function waitForCount(prefix: string, expected: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Records written straight from a test carry the prefix in request_id; those
    // of chat requests in client_request_id (the gateway picks request ids).
    const row = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM interactions WHERE request_id LIKE ?1 OR client_request_id LIKE ?1",
    )
      .bind(`${prefix}%`)
      .first<{ n: number }>();
    if (row!.n >= expected || Date.now() > deadline) return row!.n;
    await new Promise((r) => setTimeout(r, 250));
  }
}

type Kind =
  | "ok"
  | "ok-stream"
  | "fail"
  | "fail-stream-cut"
  | "abort-stream"
  | "timeout"
  | "abort-before-first-byte"
  | "abort-during-fallback";
const expectedStatus: Record<Kind, string> = {
  ok: "ok",
  "ok-stream": "ok",
  fail: "upstream_error",
  "fail-stream-cut": "upstream_error",
  "abort-stream": "client_aborted",
  timeout: "timeout",
  "abort-before-first-byte": "client_aborted",
  "abort-during-fallback": "client_aborted",
};

const bodies: Record<Kind, Record<string, unknown>> = {
  ok: { model: "ok" },
  "ok-stream": { model: "ok", stream: true },
  fail: { model: "fail500" },
  "fail-stream-cut": { model: "cut", stream: true },
  "abort-stream": { model: "slow", stream: true },
  timeout: { model: "hang" },
  // The hanging adapter times out after 300 ms; the client leaves well before.
  "abort-before-first-byte": { model: "hang", stream: true },
  "abort-during-fallback": { model: "fallback-hang", stream: true },
};

/**
 * Clients that leave once the gateway's upstream call is under way (before
 * any byte reached them): each request that should leave carries a marker in
 * its prompt, and the spied fetch aborts that client when the gateway sends it.
 */
const leaving = new Map<string, AbortController>();
function leaveWhenUpstreamCalled() {
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const pending = realFetch(input, init);
    const body = typeof init?.body === "string" ? init.body : "";
    for (const [marker, client] of leaving) if (body.includes(marker)) client.abort();
    return pending;
  });
}

/** Sends one request under the client's own id (x-client-request-id), which several requests may share. */
async function fire(kind: Kind, clientId: string) {
  const headers = { "x-client-request-id": clientId };
  const key = KEYS.testco;
  let body = bodies[kind];
  let signal: AbortSignal | undefined;
  if (kind === "abort-before-first-byte" || kind === "abort-during-fallback") {
    const marker = `leave-${crypto.randomUUID()}`;
    const client = new AbortController();
    leaving.set(marker, client);
    body = { ...body, messages: [{ role: "user", content: marker }] };
    signal = client.signal;
  }
  const { response, settled } = await chat(body, { key, headers, signal });
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
  afterEach(() => {
    vi.restoreAllMocks();
    leaving.clear();
  });

  it("writes nothing when INTERACTION_LOGGING is off", async () => {
    // Whatever the log sends, it sends within the request's waitUntil work:
    // once that has settled, the fake queue has seen everything it will see.
    const { sent, env: bindings } = fakeQueue();
    const off = { key: KEYS.testco, bindings: { ...bindings, INTERACTION_LOGGING: "off" } as Env };
    const { response, settled } = await chat({ model: "ok" }, off);
    expect(response.status).toBe(200);
    await response.text();
    await settled();
    expect(sent).toEqual([]);
    const row = await env.DB.prepare("SELECT 1 FROM interactions WHERE request_id = ?")
      .bind(response.headers.get("x-request-id"))
      .first();
    expect(row).toBeNull(); // nor written straight to D1, as when the queue refuses
    // The same request with logging on has sent its record by then.
    const on = await chat({ model: "ok" }, { key: KEYS.testco, bindings });
    await on.response.text();
    await on.settled();
    expect(sent).toHaveLength(1);
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
    kinds.push("abort-before-first-byte", "abort-during-fallback");
    leaveWhenUpstreamCalled();
    // Every 25th block of requests shares one client id, as a client retrying under its own id would.
    const plan = Array.from({ length: 500 }, (_, i) => {
      const kind = kinds[i % kinds.length];
      const reused = i % 25 < 5;
      return {
        id: reused ? `${run}reused-${kind}-${Math.floor(i / 25)}` : `${run}${String(i).padStart(3, "0")}`,
        kind,
      };
    });
    await Promise.all(plan.map((p) => fire(p.kind, p.id)));
    expect(await waitForCount(run, 500)).toBe(500);
    const { results } = await env.DB.prepare(
      "SELECT request_id, client_request_id, status FROM interactions WHERE client_request_id LIKE ?",
    )
      .bind(`${run}%`)
      .all<{ request_id: string; client_request_id: string; status: string }>();
    expect(results).toHaveLength(500);
    expect(new Set(results.map((r) => r.request_id)).size).toBe(500);
    // Per client id: exactly as many records as requests sent with it, each with its kind's status.
    const expected = new Map<string, string[]>();
    for (const p of plan) expected.set(p.id, [...(expected.get(p.id) ?? []), expectedStatus[p.kind]]);
    const found = new Map<string, string[]>();
    for (const r of results) found.set(r.client_request_id, [...(found.get(r.client_request_id) ?? []), r.status]);
    for (const [id, statuses] of expected) expect([id, found.get(id)?.sort()]).toEqual([id, statuses.sort()]);
    expect([...expected.values()].some((s) => s.length > 1)).toBe(true);
  }, 90_000);
});

const record = interactionRecord;

async function deliver(messages: { id: string; body: unknown }[], bindings: Env = env) {
  const batch = createMessageBatch(
    "switchyard-log",
    messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await gateway().queue!(batch as never, bindings, ctx);
  return getQueueResult(batch, ctx);
}

/** env with a DB that counts batch() calls, and fails them all when told to. */
function countingBatches(fail = false) {
  const counter = { batches: 0 };
  const db = new Proxy(env.DB, {
    get(target, property) {
      if (property === "batch")
        return (statements: D1PreparedStatement[]) => {
          counter.batches++;
          return fail ? Promise.reject(new Error("D1_ERROR: Network connection lost.")) : target.batch(statements);
        };
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { counter, env: { ...env, DB: db } as Env };
}

const retried = (result: { retryMessages: { msgId: string }[] }) => result.retryMessages.map((m) => m.msgId);

describe("request ids across tenants", () => {
  it("two tenants sending the same x-client-request-id each keep their own interaction", async () => {
    const id = `shared-${crypto.randomUUID()}`;
    const a = await chat({ model: "support" }, { key: KEYS.acme, headers: { "x-client-request-id": id } });
    const b = await chat({ model: "tutoring" }, { key: KEYS.globex, headers: { "x-client-request-id": id } });
    await Promise.all([a.settled(), b.settled()]);
    await waitForCount(id, 2);
    const { results } = await env.DB.prepare(
      "SELECT tenant_id FROM interactions WHERE client_request_id = ? ORDER BY tenant_id",
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

  it("retries only the message whose payload cannot be resolved, and writes the rest", async () => {
    const id = `missing-${crypto.randomUUID()}`;
    const result = await deliver([
      { id: "a", body: JSON.stringify({ v: 1, record: record(`${id}-inline`) }) },
      {
        id: "b",
        body: JSON.stringify({ v: 1, pointer: `interactions/testco/${id}.json`, request_id: id, tenant_id: "testco" }),
      },
    ]);
    expect(result.ackAll).toBe(false);
    expect(result.explicitAcks).toEqual(["a"]);
    expect(retried(result)).toEqual(["b"]);
    const { results } = await env.DB.prepare("SELECT request_id FROM interactions WHERE request_id LIKE ?")
      .bind(`${id}%`)
      .all<{ request_id: string }>();
    expect(results.map((r) => r.request_id)).toEqual([`${id}-inline`]);
  });

  it("writes a batch of large R2-held records in several groups (over 8 MB in all)", async () => {
    const prefix = `big-${crypto.randomUUID().slice(0, 8)}-`;
    const messages = [];
    for (let i = 0; i < 10; i++) {
      const big = record(`${prefix}${i}`, { response_text: `${i}`.padEnd(1024 * 1024, "x") });
      await env.BLOBS.put(blobKeyFor(big), JSON.stringify(big));
      const pointer = { v: 1, pointer: blobKeyFor(big), request_id: big.request_id, tenant_id: big.tenant_id };
      messages.push({ id: `m${i}`, body: JSON.stringify(pointer) });
    }
    const { counter, env: counted } = countingBatches();
    const result = await deliver(messages, counted);
    expect(result.ackAll).toBe(true);
    expect(counter.batches).toBe(2); // 7 records (7.3 MB), then 3: never 8 MB held at once
    const { results } = await env.DB.prepare(
      "SELECT request_id, length(response_text) AS n FROM interactions WHERE request_id LIKE ?",
    )
      .bind(`${prefix}%`)
      .all<{ request_id: string; n: number }>();
    expect(results).toHaveLength(10);
    expect(results.every((r) => r.n === 1024 * 1024)).toBe(true);
  });

  it("makes a handful of D1 calls, not one per record, while D1 is down, and retries every message", async () => {
    const prefix = `down-${crypto.randomUUID().slice(0, 8)}-`;
    const messages = Array.from({ length: 10 }, (_, m) => ({
      id: `m${m}`,
      body: JSON.stringify({
        v: 2,
        messages: Array.from({ length: 50 }, (_, r) => ({ v: 1, record: record(`${prefix}${m}-${r}`) })),
      }),
    }));
    const { counter, env: down } = countingBatches(true);
    const result = await deliver(messages, down);
    expect(result.explicitAcks).toEqual([]);
    expect(retried(result)).toEqual(messages.map((m) => m.id));
    expect(counter.batches).toBe(3); // the batch, the first message, its first record
  });

  it.each([
    [1, 2],
    [2, 4],
    [5, 32],
    [8, 256],
    [9, 300],
    [50, 300],
  ])("backs a retried message off by its delivery attempt (%i → %i s)", (attempts, seconds) => {
    expect(retryDelaySeconds(attempts)).toBe(seconds);
  });

  it("retries an unreadable message on its own, without counting it against D1", async () => {
    const prefix = `unreadable-${crypto.randomUUID().slice(0, 8)}-`;
    const result = await deliver([
      { id: "bad-1", body: "{not json" },
      { id: "bad-2", body: "" },
      { id: "ok", body: JSON.stringify({ v: 1, record: record(`${prefix}ok`) }) },
    ]);
    expect(retried(result).sort()).toEqual(["bad-1", "bad-2"]);
    expect(result.explicitAcks).toEqual(["ok"]);
    expect(await waitForCount(prefix, 1, 0)).toBe(1);
  });

  it("writes the rest of a pack when one of its R2 pointers is gone, and retries the pack", async () => {
    const prefix = `gone-${crypto.randomUUID().slice(0, 8)}-`;
    const packed = {
      v: 2,
      messages: [
        { v: 1, record: record(`${prefix}a`) },
        { v: 1, pointer: `interactions/testco/${prefix}gone.json`, request_id: `${prefix}gone`, tenant_id: "testco" },
        { v: 1, record: record(`${prefix}b`) },
      ],
    };
    const result = await deliver([{ id: "pack", body: JSON.stringify(packed) }]);
    expect(retried(result)).toEqual(["pack"]);
    expect(await waitForCount(prefix, 2, 0)).toBe(2);
  });

  it("holds back only the message with a record D1 refuses; its packed neighbours are written", async () => {
    const prefix = `poison-${crypto.randomUUID().slice(0, 8)}-`;
    // task is NOT NULL: D1 refuses this row, as it would a row over its 2 MB limit.
    const poison = record(`${prefix}poison`, { task: null as unknown as string });
    const packed = {
      v: 2,
      messages: [record(`${prefix}p0`), poison, record(`${prefix}p1`)].map((r) => ({ v: 1, record: r })),
    };
    const result = await deliver([
      { id: "before", body: JSON.stringify({ v: 1, record: record(`${prefix}before`) }) },
      { id: "packed", body: JSON.stringify(packed) },
      { id: "after", body: JSON.stringify({ v: 1, record: record(`${prefix}after`) }) },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["after", "before"]);
    expect(retried(result)).toEqual(["packed"]);
    const { results } = await env.DB.prepare(
      "SELECT request_id FROM interactions WHERE request_id LIKE ? ORDER BY request_id",
    )
      .bind(`${prefix}%`)
      .all<{ request_id: string }>();
    expect(results.map((r) => r.request_id)).toEqual([
      `${prefix}after`,
      `${prefix}before`,
      `${prefix}p0`,
      `${prefix}p1`,
    ]);
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

/** A LOG_QUEUE that records what it is sent, or refuses everything. */
function fakeQueue(refuse = false) {
  const sent: string[] = [];
  const queue = {
    send: async (body: string) => {
      if (refuse) throw new Error("queue unavailable");
      sent.push(body);
    },
  };
  return { sent, env: { ...env, LOG_QUEUE: queue } as unknown as Env };
}

describe("log packing (producer)", () => {
  it("sends records finished within the window as one packed message the consumer writes whole", async () => {
    const prefix = `pack-${crypto.randomUUID().slice(0, 8)}-`;
    const { sent, env: packedEnv } = fakeQueue();
    await Promise.all(Array.from({ length: 12 }, (_, i) => enqueueInteraction(packedEnv, record(`${prefix}${i}`))));
    expect(sent).toHaveLength(1);
    const body = JSON.parse(sent[0]) as { v: number; messages: { record: InteractionRecord }[] };
    expect(body.v).toBe(2);
    expect(body.messages.map((m) => m.record.request_id)).toEqual(
      Array.from({ length: 12 }, (_, i) => `${prefix}${i}`),
    );
    const result = await deliver([{ id: "p", body: sent[0] }]);
    expect(result.retryBatch.retry).toBe(false);
    expect(await waitForCount(prefix, 12, 2000)).toBe(12);
  });

  it("packs the records of concurrent requests, each request in its own context, into a few messages", async () => {
    const prefix = `shared-${crypto.randomUUID().slice(0, 8)}-`;
    const { sent, env: base } = fakeQueue();
    // A long window, so that a slow machine still finishes all 20 within one.
    const shared = { ...base, LOG_PACK_WINDOW_MS: "1000" } as Env;
    const calls = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        chat(
          { model: "ok" },
          { key: KEYS.testco, bindings: shared, headers: { "x-client-request-id": `${prefix}${i}` } },
        ),
      ),
    );
    await Promise.all(calls.map((c) => c.response.text()));
    await Promise.all(calls.map((c) => c.settled()));
    const ids = sent.flatMap((body) => unpack(body).map((m) => ("record" in m ? m.record.request_id : m.request_id)));
    expect(ids.sort()).toEqual(calls.map((c) => c.response.headers.get("x-request-id")!).sort());
    expect(sent.length).toBeLessThanOrEqual(2);
  });

  it(`puts at most ${MAX_RECORDS_PER_MESSAGE} records in one message`, async () => {
    const { sent, env: packedEnv } = fakeQueue();
    const count = MAX_RECORDS_PER_MESSAGE * 2 + 1;
    await Promise.all(Array.from({ length: count }, (_, i) => enqueueInteraction(packedEnv, record(`cap-${i}`))));
    const sizes = sent.map((b) => (JSON.parse(b) as { v: number; messages?: unknown[] }).messages?.length ?? 1);
    expect(sizes).toEqual([MAX_RECORDS_PER_MESSAGE, MAX_RECORDS_PER_MESSAGE, 1]);
  });

  it("sends one record alone as a plain v1 message when LOG_PACK_WINDOW_MS is 0", async () => {
    const { sent, env: base } = fakeQueue();
    const unpacked = { windowMs: 0, clock: systemClock };
    await Promise.all([
      enqueueInteraction(base, record("alone-1"), unpacked),
      enqueueInteraction(base, record("alone-2"), unpacked),
    ]);
    expect(sent.map((b) => (JSON.parse(b) as { v: number }).v)).toEqual([1, 1]);
  });

  it("writes every record of a pack straight to D1 when the queue refuses it", async () => {
    const prefix = `refused-${crypto.randomUUID().slice(0, 8)}-`;
    const { env: refusing } = fakeQueue(true);
    await Promise.all(Array.from({ length: 5 }, (_, i) => enqueueInteraction(refusing, record(`${prefix}${i}`))));
    expect(await waitForCount(prefix, 5, 0)).toBe(5);
  });
});

describe("log packing (consumer)", () => {
  it("writes a batch that mixes packed, single and R2-pointer messages", async () => {
    const prefix = `mixed-${crypto.randomUUID().slice(0, 8)}-`;
    const pointed = record(`${prefix}r2`);
    await env.BLOBS.put(blobKeyFor(pointed), JSON.stringify(pointed));
    const packed = {
      v: 2,
      messages: [
        { v: 1, record: record(`${prefix}p0`) },
        { v: 1, pointer: blobKeyFor(pointed), request_id: pointed.request_id, tenant_id: pointed.tenant_id },
        { v: 1, record: record(`${prefix}p1`) },
      ],
    };
    const result = await deliver([
      { id: "packed", body: JSON.stringify(packed) },
      { id: "single", body: JSON.stringify({ v: 1, record: record(`${prefix}single`) }) },
    ]);
    expect(result.retryBatch.retry).toBe(false);
    expect(await waitForCount(prefix, 4, 0)).toBe(4);
  });

  it("rebuilds the upstream messages a record shares with the client's (and takes records that share none)", async () => {
    const prefix = `shared-msgs-${crypto.randomUUID().slice(0, 8)}-`;
    const client = [
      { role: "user", content: "first" },
      { role: "assistant", content: "reply" },
      { role: "user", content: "second" },
    ];
    const system = { role: "system", content: "Be calm." };
    const whole = record(`${prefix}tone`, { client_messages: client, upstream_messages: [system, ...client] });
    const queued = toQueued(whole);
    expect(queued).toMatchObject({ upstream_messages: [system], upstream_from_client: 0 });
    const result = await deliver([
      { id: "shared", body: JSON.stringify({ v: 1, record: queued }) },
      { id: "older", body: JSON.stringify({ v: 1, record: record(`${prefix}older`) }) },
    ]);
    expect(result.retryBatch.retry).toBe(false);
    expect(retried(result)).toEqual([]);
    const rows = await env.DB.prepare(
      "SELECT request_id, client_messages, upstream_messages FROM interactions WHERE request_id LIKE ? ORDER BY request_id",
    )
      .bind(`${prefix}%`)
      .all<{ request_id: string; client_messages: string; upstream_messages: string }>();
    expect(rows.results.map((r) => [r.request_id, JSON.parse(r.upstream_messages)])).toEqual([
      [`${prefix}older`, [{ role: "user", content: "hi" }]],
      [`${prefix}tone`, [system, ...client]],
    ]);
    expect(JSON.parse(rows.results[1].client_messages)).toEqual(client);
  });

  it("retries a pack whose record names client messages it does not have, and writes its neighbours", async () => {
    const prefix = `bad-shared-${crypto.randomUUID().slice(0, 8)}-`;
    const broken = { ...record(`${prefix}broken`), upstream_messages: [], upstream_from_client: 5 };
    const packed = {
      v: 2,
      messages: [
        { v: 1, record: record(`${prefix}a`) },
        { v: 1, record: broken },
      ],
    };
    const result = await deliver([
      { id: "packed", body: JSON.stringify(packed) },
      { id: "fine", body: JSON.stringify({ v: 1, record: record(`${prefix}b`) }) },
    ]);
    expect(retried(result)).toEqual(["packed"]);
    expect(result.explicitAcks).toEqual(["fine"]);
    const { results } = await env.DB.prepare("SELECT request_id FROM interactions WHERE request_id LIKE ? ORDER BY 1")
      .bind(`${prefix}%`)
      .all<{ request_id: string }>();
    expect(results.map((r) => r.request_id)).toEqual([`${prefix}a`, `${prefix}b`]);
  });

  it("writes a record whose params nest deeper than SQLite's JSON parser goes, next to ordinary ones", async () => {
    const prefix = `deep-${crypto.randomUUID().slice(0, 8)}-`;
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    const records = [
      record(`${prefix}a`),
      record(`${prefix}deep`, { params: { x_extra: deep } }),
      record(`${prefix}b`),
    ];
    await writeInteractions(env.DB, records);
    expect(await waitForCount(prefix, 3, 0)).toBe(3);
    const row = await env.DB.prepare("SELECT params FROM interactions WHERE request_id = ?")
      .bind(`${prefix}deep`)
      .first<{ params: string }>();
    expect(row!.params).toBe(JSON.stringify({ x_extra: deep }));
  });

  it("writes 5,000 records in one call (several statements) with every value intact", async () => {
    const prefix = `bulk-${crypto.randomUUID().slice(0, 8)}-`;
    const text = 'ünïcödé 😀 "quoted" '.repeat(10);
    // JSON columns with what a serializer could render differently: escapes,
    // control characters, non-ASCII, lone surrogates, floats, empty and nested values.
    const tricky = [
      { role: "system", content: 'line\nbreak\ttab "quoted" back\\slash \u0001 ünï 😀 \ud800 </script>' },
      { role: "user", content: [{ type: "text", text: "" }], name: null },
    ];
    const records = Array.from({ length: 5000 }, (_, i) =>
      record(`${prefix}${i}`, {
        response_text: `${text}${i}`,
        metadata: { n: String(i) },
        client_messages: tricky,
        params: { temperature: 0.7, top_p: 1e-7, max_tokens: 512, stop: [], n: -0.5, big: 12345678901234 },
        tools: i % 3 === 0 ? null : [{ type: "function", function: { name: "f", parameters: {} } }],
        latency_ms: i,
        stream: i % 2 === 0,
      }),
    );
    expect(rowChunks(records).length).toBeGreaterThan(1);
    await writeInteractions(env.DB, records);
    expect(await waitForCount(prefix, 5000, 0)).toBe(5000);
    for (const i of [4320, 4321]) {
      const row = await env.DB.prepare("SELECT * FROM interactions WHERE request_id = ?")
        .bind(`${prefix}${i}`)
        .first<Record<string, unknown>>();
      // Byte for byte what JSON.stringify gives, and SQL NULL for a null JSON column.
      const expected = toRow(records[i]);
      for (const column of COLUMNS) expect([column, row![column]]).toEqual([column, expected[column] ?? null]);
    }
  });
});
