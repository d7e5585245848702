// An interaction too big for a D1 row (2 MB), e.g. a prompt carrying a large
// base64 image, is still logged: the queue consumer writes its row without
// the bodies and with blob_key, GET /v1/interactions/{id} reads the bodies
// back from R2 (the tenant's own only), feedback attaches to it, and exports
// count it as too_large instead of building an example without its prompt.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import type { InteractionRecord } from "../../src/logging/interaction-record";
import { blobKeyFor, enqueueInteraction } from "../../src/logging/log-producer";
import { MAX_ROW_BYTES, rowChunks } from "../../src/logging/write-interactions";
import { call, chat, gateway, gatewayRegistry, waitForInteraction } from "./helpers/gateway";
import { insertFeedback, ratedRecord } from "./helpers/rated";
import { applyTestManifest, KEYS, testcoManifest } from "./helpers/seed";

const IMAGE = `data:image/png;base64,${"iVBORw0KGgo".repeat(230_000)}`; // ≈ 2.5 MB
const withImage = (r: InteractionRecord): InteractionRecord => {
  const image = { role: "user", content: [{ type: "image_url", image_url: { url: IMAGE } }] };
  return { ...r, client_messages: [...r.client_messages, image], upstream_messages: [...r.upstream_messages, image] };
};

/** Puts the record in R2 as the producer does for any record over 120 KB, and delivers its pointer. */
async function deliverThroughR2(record: InteractionRecord) {
  const pointer = blobKeyFor(record);
  await env.BLOBS.put(pointer, JSON.stringify(record));
  const body = JSON.stringify({ v: 1, pointer, request_id: record.request_id, tenant_id: record.tenant_id });
  const batch = createMessageBatch("switchyard-log", [{ id: "m0", timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await gateway().queue!(batch as never, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("interactions too big for a D1 row", () => {
  let tenant: string;
  let key: string;
  let big: InteractionRecord;
  beforeAll(async () => {
    tenant = `huge-${crypto.randomUUID().slice(0, 8)}`;
    await applyTestManifest({ ...testcoManifest(), tenant });
    key = `sk-${tenant}-test`;
    await storeApiKey(env.DB, tenant, key, "test", Date.now());
    await gatewayRegistry().reload(env.DB);
    big = withImage(
      ratedRecord(tenant, `${tenant}-big`, 1, {
        metadata: { channel: "web" },
        params: { temperature: 0.2 },
        tools: [{ type: "function", function: { name: "lookup_invoice", parameters: { type: "object" } } }],
      }),
    );
    const result = await deliverThroughR2(big);
    expect(result.ackAll).toBe(true);
    expect(result.retryMessages).toEqual([]);
  });

  it("writes the row without its bodies, pointing at the record in R2", async () => {
    const row = await env.DB.prepare(
      "SELECT client_messages, upstream_messages, params, response_text, metadata, status, task, blob_key FROM interactions WHERE tenant_id = ? AND request_id = ?",
    )
      .bind(tenant, big.request_id)
      .first<Record<string, string | null>>();
    expect(row).toMatchObject({
      client_messages: "[]",
      upstream_messages: "[]",
      params: "{}",
      response_text: null,
      metadata: JSON.stringify({ channel: "web" }),
      status: "ok",
      task: big.task,
      blob_key: blobKeyFor(big),
    });
  });

  it("serves the whole interaction, bodies read back from R2", async () => {
    const { response } = await call(`/v1/interactions/${big.request_id}`, undefined, { key });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      client_messages: big.client_messages,
      upstream_messages: big.upstream_messages,
      params: big.params,
      tools: big.tools,
      response_text: big.response_text,
      metadata: big.metadata,
    });
  });

  it("is listed, takes feedback, and is never shown to another tenant", async () => {
    const list = await call("/v1/interactions", undefined, { key });
    expect((await list.response.json<{ data: { id: string }[] }>()).data.map((i) => i.id)).toContain(big.request_id);
    const feedback = await call("/v1/feedback", { request_id: big.request_id, rating: 1 }, { key });
    expect(feedback.response.status).toBeLessThan(300);
    const other = await call(`/v1/interactions/${big.request_id}`, undefined, { key: KEYS.globex });
    expect(other.response.status).toBe(404);
    expect(await other.response.text()).not.toContain("iVBORw0KGgo");
  });

  it("is counted as too_large in an export, not turned into an example without its prompt", async () => {
    await insertFeedback(tenant, big.request_id, 1);
    const { response } = await call("/v1/exports/training-data?format=openai-sft&include_stats=true", undefined, {
      key,
    });
    const lines = (await response.text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const stats = lines.at(-1).switchyard_export;
    expect(stats.skipped).toMatchObject({ too_large: 1 });
    expect(lines).toHaveLength(1); // only the stats line
  });

  it("logs a chat request carrying a large image end to end: producer → R2 → queue → reduced row", async () => {
    const image = { role: "user", content: [{ type: "image_url", image_url: { url: IMAGE } }] };
    const { response, settled } = await chat(
      { model: "ok", messages: [{ role: "user", content: "What is in this picture?" }, image] },
      { key: KEYS.testco },
    );
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id")!;
    await response.text();
    await settled();
    const row = await waitForInteraction(requestId, 15_000);
    expect(row).toMatchObject({
      status: "ok",
      client_messages: "[]",
      blob_key: `interactions/testco/${requestId}.json`,
    });
    const { response: read } = await call(`/v1/interactions/${requestId}`, undefined, { key: KEYS.testco });
    const body = await read.json<{ client_messages: { content: unknown }[] }>();
    expect(body.client_messages.at(-1)!.content).toEqual(image.content);
  }, 30_000);

  it("does not serve the bodies of a later request that reused the id and overwrote the R2 object", async () => {
    const first = withImage(ratedRecord(tenant, `${tenant}-reused`, 3));
    expect((await deliverThroughR2(first)).ackAll).toBe(true);
    const later = { ...first, created_at: first.created_at + 1000, response_text: "someone else's answer" };
    await env.BLOBS.put(blobKeyFor(first), JSON.stringify(later));
    const { response } = await call(`/v1/interactions/${first.request_id}`, undefined, { key });
    const body = await response.json<{ response_text: string | null; client_messages: unknown[] }>();
    expect(body.response_text).toBeNull();
    expect(body.client_messages).toEqual([]);
  });

  it("writes the reduced row directly when the queue refuses the pack", async () => {
    const refusing = {
      ...env,
      LOG_QUEUE: {
        send: () => Promise.reject(new Error("queue unavailable")),
        sendBatch: () => Promise.reject(new Error("queue unavailable")),
      },
    } as unknown as Env;
    const direct = withImage(ratedRecord(tenant, `${tenant}-direct`, 4));
    await enqueueInteraction(refusing, direct);
    const row = await env.DB.prepare(
      "SELECT client_messages, blob_key FROM interactions WHERE tenant_id = ? AND request_id = ?",
    )
      .bind(tenant, direct.request_id)
      .first<{ client_messages: string; blob_key: string }>();
    expect(row).toEqual({ client_messages: "[]", blob_key: blobKeyFor(direct) });
  });

  it("keeps the bodies in the row when the record fits, and never drops them from a record not held in R2", () => {
    const small = ratedRecord(tenant, "small", 2);
    const [fits] = rowChunks([{ ...small, blob_key: blobKeyFor(small) }]);
    expect(fits).toContain(small.response_text);
    expect(fits).not.toContain(blobKeyFor(small));
    const [inline] = rowChunks([withImage(small)]); // no blob_key: D1 refuses it and the queue retries
    expect(inline.length).toBeGreaterThan(MAX_ROW_BYTES);
    expect(inline).toContain(IMAGE);
  });
});
