// An upstream with stream_mode "native": its chunks reach the client as the
// upstream sent them (its own id and model name), piped by the runtime; the
// gateway's id stays in x-request-id and the record. What the rewrite mode
// promises about endings holds here too: a cut or a stall ends with the
// gateway's OpenAI error event and no [DONE], and every stream leaves one
// record. The rewrite mode's own byte-for-byte tests are the goldens
// (test/unit/stream/golden.test.ts) and stream-errors.test.ts.
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import { call, chat, gatewayRegistry, readSSE, waitForInteraction } from "./helpers/gateway";
import { applyTestManifest, testcoManifest } from "./helpers/seed";
import type { StreamEnd } from "../../src/logging/capture-stream";
import { CompletionCapture } from "../../src/logging/completion-capture";
import { nativeStream as relayNative } from "../../src/stream/native-stream";

const tenant = `native-${crypto.randomUUID().slice(0, 8)}`;
const key = `sk-${tenant}-test`;
const opts = { key };
// A second tenant, to show an upstream id never reaches across tenants.
const other = `${tenant}-other`;
const otherKey = `sk-${other}-test`;

beforeAll(async () => {
  const m = testcoManifest();
  for (const id of ["ok", "cut", "stall"]) {
    const base = m.upstreams.find((u) => u.id === id)!;
    m.upstreams.push({ ...base, id: `native-${id}`, stream_mode: "native" } as never);
    const like = m.adapters.find((a) => a.version === `${id}-v1`)!;
    m.adapters.push({ ...like, version: `native-${id}-v1`, upstream: `native-${id}` });
    m.tasks.push({
      name: `native-${id}`,
      allow_pinning: true,
      rules: [{ id: `native-${id}-rule`, target: `native-${id}-v1` }],
    } as never);
  }
  await applyTestManifest({ ...m, tenant });
  await storeApiKey(env.DB, tenant, key, "native stream test", Date.now());
  await applyTestManifest({ ...testcoManifest(), tenant: other });
  await storeApiKey(env.DB, other, otherKey, "native stream test, other tenant", Date.now());
  await gatewayRegistry().reload(env.DB);
});

describe("native stream mode", () => {
  it("passes the upstream's chunks through as sent and logs the answer under the gateway's id", async () => {
    const { response, settled } = await chat({ model: "native-ok", stream: true }, opts);
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id")!;
    const { events, done, text } = await readSSE(response);
    expect(done).toBe(true);
    // The upstream's own ids and served model name: not rewritten.
    expect(events.every((e) => typeof e.id === "string" && e.id.startsWith("chatcmpl-dev-"))).toBe(true);
    expect(events.some((e) => e.id === requestId)).toBe(false);
    // The upstream's usage chunk comes through (the gateway asks the upstream for it).
    expect(events.at(-1)?.usage).toMatchObject({ total_tokens: expect.any(Number) });
    expect(text).not.toContain('"error"');
    const answer = events.map((e) => e.choices?.[0]?.delta?.content ?? "").join("");
    await settled();
    const row = await waitForInteraction(requestId);
    expect(row.status).toBe("ok");
    expect(row.response_text).toBe(answer);
    expect(row.finish_reason).toBe("stop");
    expect(row.prompt_tokens).toBe(events.at(-1)?.usage.prompt_tokens);
    expect(row.completion_tokens).toBe(events.at(-1)?.usage.completion_tokens);
    expect(row.usage_estimated).toBe(0);
    expect(row.ttft_ms).not.toBeNull();
  });

  it("ends a cut stream with the gateway's error event and no [DONE], and logs upstream_error", async () => {
    const { response, settled } = await chat({ model: "native-cut", stream: true }, opts);
    expect(response.status).toBe(200);
    const { events, done } = await readSSE(response);
    expect(done).toBe(false);
    // The upstream's chunks as sent, then the gateway's error event.
    expect(events.length).toBeGreaterThan(1);
    expect(events.slice(0, -1).every((e) => e.id.startsWith("chatcmpl-dev-"))).toBe(true);
    expect(events.at(-1)).toEqual({
      error: {
        message: expect.stringContaining("The upstream stream broke off"),
        type: "upstream_error",
        param: null,
        code: "upstream_error",
      },
    });
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("upstream_error");
    expect(String(row.response_text)).toContain("[adapter");
    expect(row.error).toBe(events.at(-1).error.message.replace("The upstream stream broke off: ", ""));
  });

  it("ends a stalled stream with a timeout error event and no [DONE], and logs timeout", async () => {
    const { response, settled } = await chat({ model: "native-stall", stream: true }, opts);
    const { events, done } = await readSSE(response);
    expect(done).toBe(false);
    expect(events.slice(0, -1).every((e) => e.id.startsWith("chatcmpl-dev-"))).toBe(true);
    expect(events.at(-1)?.error).toMatchObject({
      type: "timeout_error",
      code: "upstream_timeout",
      message: expect.stringContaining("no data from upstream for 300 ms"),
    });
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("timeout");
  });

  it("makes the official SDK raise on a cut and on a stall, over a real invocation of the Worker", async () => {
    const client = new OpenAI({
      apiKey: key,
      baseURL: "http://gateway.test/v1",
      fetch: (input, init) => exports.default.fetch(new Request(String(input), init as RequestInit)),
      maxRetries: 0,
    });
    const drain = async (model: string) => {
      const stream = await client.chat.completions.create({
        model,
        stream: true,
        messages: [{ role: "user", content: "hello" }],
      });
      for await (const chunk of stream) void chunk;
    };
    await expect(drain("native-cut")).rejects.toThrow(/broke off/);
    await expect(drain("native-stall")).rejects.toThrow(/no data from upstream/);
  });

  it("logs client_aborted when the client goes away mid-stream", async () => {
    const { response, settled } = await chat({ model: "native-stall", stream: true }, opts);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel("bye");
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("client_aborted");
  });

  it("refuses an unknown stream_mode in a manifest", async () => {
    const m = testcoManifest();
    (m.upstreams[0] as Record<string, unknown>).stream_mode = "raw";
    await expect(applyTestManifest({ ...m, tenant: `${tenant}-bad` })).rejects.toThrow(/stream_mode/);
  });
});

describe("native stream mode: the upstream's id", () => {
  const feedback = (body: Record<string, unknown>, options: Parameters<typeof call>[2] = opts) =>
    call("/v1/feedback", body, options);
  type Interaction = { feedback: { request_id: string; rating: number; comment: string | null }[] };

  const negativeVotes = async (version: unknown) =>
    (await env.DB.prepare(
      "SELECT COALESCE(SUM(negative), 0) AS n FROM version_rollups WHERE tenant_id = ? AND adapter_version = ?",
    )
      .bind(tenant, version)
      .first<{ n: number }>())!.n;

  /** A native stream, read to its end: the gateway's id, the id its chunks carried, and the record. */
  async function nativeStream() {
    const { response, settled } = await chat({ model: "native-ok", stream: true }, opts);
    const requestId = response.headers.get("x-request-id")!;
    const { events } = await readSSE(response);
    const chunkIds = new Set(events.map((e) => e.id));
    expect(chunkIds.size).toBe(1);
    const [upstreamId] = chunkIds as Set<string>;
    expect(upstreamId).not.toBe(requestId);
    await settled();
    return { requestId, upstreamId, row: await waitForInteraction(requestId) };
  }

  it("stores the id the client's chunks carried as upstream_id, beside the gateway's request id", async () => {
    const { requestId, upstreamId, row } = await nativeStream();
    expect(row.request_id).toBe(requestId);
    expect(row.upstream_id).toBe(upstreamId);
    const detail = await call(`/v1/interactions/${requestId}`, undefined, opts);
    expect(await detail.response.json()).toMatchObject({ id: requestId, upstream_id: upstreamId });
  });

  it("stores the upstream's id of a non-streamed answer too (the client saw the gateway's)", async () => {
    const { response, settled } = await chat({ model: "native-ok" }, opts);
    const body = await response.json<{ id: string }>();
    await settled();
    const row = await waitForInteraction(body.id);
    expect(row.upstream_id).toMatch(/^chatcmpl-dev-\d+$/);
    expect(row.upstream_id).not.toBe(body.id);
  });

  it("rates the interaction when feedback names the upstream's id, stored under the gateway's id", async () => {
    const { requestId, upstreamId, row } = await nativeStream();
    const negativeBefore = await negativeVotes(row.adapter_version);
    const { response } = await feedback({ request_id: upstreamId, rating: -1, comment: "named by chunk id" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ request_id: requestId, interaction_found: true, rating: -1 });
    const stored = await env.DB.prepare("SELECT request_id FROM feedback WHERE tenant_id = ? AND request_id IN (?, ?)")
      .bind(tenant, requestId, upstreamId)
      .all<{ request_id: string }>();
    expect(stored.results).toEqual([{ request_id: requestId }]);

    const detail = await call(`/v1/interactions/${requestId}`, undefined, opts);
    expect(detail.response.status).toBe(200);
    const interaction = await detail.response.json<Interaction>();
    expect(interaction.feedback).toEqual([
      expect.objectContaining({ request_id: requestId, rating: -1, comment: "named by chunk id" }),
    ]);
    // The rollup of its version counts the vote: it joined by the gateway's id.
    expect(await negativeVotes(row.adapter_version)).toBe(negativeBefore + 1);

    // The gateway's id still works, and names the same entry (one vote per user).
    const again = await feedback({ request_id: requestId, rating: 1 });
    expect(await again.response.json()).toMatchObject({ request_id: requestId, interaction_found: true, rating: 1 });
    const after = await call(`/v1/interactions/${requestId}`, undefined, opts);
    expect((await after.response.json<Interaction>()).feedback).toEqual([expect.objectContaining({ rating: 1 })]);
  });

  it("keeps the upstream id inside the tenant: another tenant's feedback never attaches to it", async () => {
    const { requestId, upstreamId } = await nativeStream();
    const otherOpts = { key: otherKey };
    // For the other tenant the id is unknown: answered as any unknown id is, stored as sent.
    const { response } = await feedback({ request_id: upstreamId, rating: 1, comment: "not mine" }, otherOpts);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ request_id: upstreamId, interaction_found: false });
    // Even when the other tenant has its own interaction with that upstream id, it resolves to its own.
    const otherRequestId = `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
    await env.DB.prepare(
      "INSERT INTO interactions (request_id, tenant_id, task, status, stream, client_messages, upstream_messages, params, latency_ms, created_at, upstream_id) " +
        "VALUES (?, ?, 'support', 'ok', 1, '[]', '[]', '{}', 1, ?, ?)",
    )
      .bind(otherRequestId, other, Date.now(), upstreamId)
      .run();
    const second = await feedback({ request_id: upstreamId, rating: -1 }, otherOpts);
    expect(await second.response.json()).toMatchObject({ request_id: otherRequestId, interaction_found: true });

    const mine = await call(`/v1/interactions/${requestId}`, undefined, opts);
    expect((await mine.response.json<Interaction>()).feedback).toEqual([]);
    const attached = await env.DB.prepare("SELECT COUNT(*) AS n FROM feedback WHERE tenant_id = ? AND request_id = ?")
      .bind(tenant, requestId)
      .first<{ n: number }>();
    expect(attached!.n).toBe(0);
    // The other tenant cannot read the first tenant's interaction by either id.
    expect((await call(`/v1/interactions/${requestId}`, undefined, otherOpts)).response.status).toBe(404);
  });

  it("does not take the upstream's id with a feedback token (signed for the gateway's id)", async () => {
    const { response, settled } = await chat({ model: "native-ok", stream: true }, opts);
    const token = response.headers.get("x-switchyard-feedback-token")!;
    const { events } = await readSSE(response);
    await settled();
    await waitForInteraction(response.headers.get("x-request-id")!);
    const byToken = await feedback({ request_id: events[0].id, rating: 1 }, { key: token });
    expect(byToken.response.status).toBe(401);
  });

  it("refuses a malformed id as before", async () => {
    const { response } = await feedback({ request_id: "not an id", rating: 1 });
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { param: string } }>()).error.param).toBe("request_id");
  });
});

describe("native stream mode: each chunk reaches the client as it arrives", () => {
  const encoder = new TextEncoder();
  const event = (delta: object) =>
    encoder.encode(
      `data: ${JSON.stringify({ id: "up-1", object: "chat.completion.chunk", created: 1, model: "lora", choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`,
    );

  /** nativeStream over a runtime byte stream (as a fetch body is) that the test writes. */
  function relay(clientIdleTimeoutMs?: number) {
    const upstream = new IdentityTransformStream();
    const writer = upstream.writable.getWriter();
    let ended!: (e: StreamEnd) => void;
    const end = new Promise<StreamEnd>((resolve) => (ended = resolve));
    const capture = new CompletionCapture(() => 0);
    const client = relayNative(upstream.readable, {
      includeUsage: false,
      idleTimeoutMs: 60_000,
      clientIdleTimeoutMs,
      capture,
      clock: { nowMs: () => Date.now(), monotonicMs: () => performance.now() },
      abortUpstream: () => void writer.abort("aborted").catch(() => {}),
      onEnd: (e) => ended(e),
    }).getReader();
    // A write the relay never takes rejects once the stream is cancelled or aborted.
    const send = (bytes: Uint8Array) => void writer.write(bytes).catch(() => {});
    return { writer, send, end, capture, client };
  }

  // The next token is sent only once the client has read the last one, so a
  // log branch that holds the client's branch back (as a tee() branch with a
  // pending readAtLeast(16 KB) did) leaves the client waiting: a timeout.
  it("delivers every token before the upstream sends the next, after the first token too", async () => {
    const { writer, send, end, capture, client } = relay();
    const decoder = new TextDecoder();
    let seen = "";
    const readEvent = async (content: string) => {
      while (!seen.includes(`"content":"${content}"`)) {
        const { done, value } = await client.read();
        if (done) throw new Error(`client stream ended before "${content}"`);
        seen += decoder.decode(value, { stream: true });
      }
    };
    send(event({ role: "assistant", content: "" }));
    const words = ["Hel", "lo", " the", "re", "!"];
    for (const word of words) {
      send(event({ content: word }));
      await readEvent(word);
    }
    send(encoder.encode("data: [DONE]\n\n"));
    void writer.close();
    for (;;) {
      const { done, value } = await client.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    expect(seen.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(await end).toEqual({ status: "ok" });
    expect(capture.text).toBe(words.join(""));
  });

  it("ends the stream and logs client_aborted when the client leaves the output untaken", async () => {
    const { send, end, client } = relay(40);
    send(event({ role: "assistant", content: "" }));
    send(event({ content: "Hel" }));
    await client.read();
    // The client reads no more; the upstream goes on.
    send(event({ content: "lo" }));
    expect(await end).toEqual({ status: "client_aborted", error: "client stopped reading for 40 ms" });
    await expect(client.read()).rejects.toThrow(/client stopped reading/);
  });
});
