// An upstream with stream_mode "native": its chunks reach the client as the
// upstream sent them (its own id and model name), piped by the runtime; the
// gateway's id stays in x-request-id and the record. What the rewrite mode
// promises about endings holds here too: a cut or a stall ends with the
// gateway's OpenAI error event and no [DONE], and every stream leaves one
// record. The rewrite mode's own byte-for-byte tests are the goldens
// (test/unit/stream/golden.test.ts) and stream-errors.test.ts.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import { chat, gatewayRegistry, readSSE, waitForInteraction } from "./helpers/gateway";
import { applyTestManifest, testcoManifest } from "./helpers/seed";

const tenant = `native-${crypto.randomUUID().slice(0, 8)}`;
const key = `sk-${tenant}-test`;
const opts = { key };

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

  it("never ends a cut stream cleanly, and logs upstream_error", async () => {
    const { response, settled } = await chat({ model: "native-cut", stream: true }, opts);
    expect(response.status).toBe(200);
    // After a cut the runtime aborts the client's stream: the read fails, never a clean end.
    await expect(response.text()).rejects.toThrow();
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("upstream_error");
    expect(String(row.response_text)).toContain("[adapter");
  });

  it("aborts a stalled stream and logs timeout", async () => {
    const { response, settled } = await chat({ model: "native-stall", stream: true }, opts);
    await expect(response.text()).rejects.toThrow();
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(row.status).toBe("timeout");
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
