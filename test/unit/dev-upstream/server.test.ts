// The dev upstream through a real Node server on port 0, with fetch(): what
// the globalSetup, `npm start` and the benchmarks get. Covers what only the
// Node adapter can break: real port, unbuffered streaming, cut connections,
// client disconnects, close() with requests still open, manifest loading.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type DevUpstream, loadManifestModels, startDevUpstream } from "../../../scripts/dev-upstream/server";
import { settled as settledAfter } from "../helpers/settled";

/** Chat requests a dev upstream has received so far (its /_dev/stats counter). */
const received = async (url: string) =>
  ((await (await fetch(new URL("/_dev/stats", url))).json()) as { requests: number }).requests;

/** Asks until `check` holds (each ask is a round trip to the server: no delay needed). */
async function until(check: () => Promise<boolean>) {
  while (!(await check()));
}

/** Whether a promise has settled by the next turn of the event loop. */
const settled = (promise: Promise<unknown>) =>
  settledAfter(promise, () => new Promise((resolve) => setImmediate(resolve)));
const chat = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "acme-support-v1", messages: [{ role: "user", content: "hello" }], ...extra });

describe("dev upstream server", () => {
  let upstream: DevUpstream;
  beforeAll(async () => {
    upstream = await startDevUpstream({ port: 0, models: ["acme-support-v1"], baseModels: ["base-model"] });
  });
  afterAll(() => upstream.close());

  const post = (headers: Record<string, string>, body: string, signal?: AbortSignal) =>
    fetch(`${upstream.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal,
    });

  it("listens on a real port and reports its /v1 URL", async () => {
    expect(upstream.port).toBeGreaterThan(0);
    expect(upstream.url).toBe(`http://127.0.0.1:${upstream.port}/v1`);
    expect(await (await fetch(new URL("/healthz", upstream.url))).json()).toEqual({ ok: true });
  });

  it("answers a non-stream completion and a vLLM 404", async () => {
    const ok = await (await post({}, chat())).json();
    expect(ok.choices[0].message.content).toBe('[adapter acme-support-v1] system: (none) | you said: "hello" | ok.');
    const missing = await post({}, chat({ model: "nope" }));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.type).toBe("NotFoundError");
  });

  it("streams token by token through the Node adapter (not buffered)", async () => {
    const res = await post({ "x-dev-token-ms": "50" }, chat({ stream: true, stream_options: { include_usage: true } }));
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    // The role chunk and the first token arrive long before the stream ends.
    while (!text.includes('"content":"[adapter "')) text += decoder.decode((await reader.read()).value);
    expect(text).not.toContain("[DONE]");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(text).toContain('"choices":[],"usage"');
  });

  it("x-dev-fail: cut breaks the connection mid-stream", async () => {
    const res = await post({ "x-dev-fail": "cut" }, chat({ stream: true }));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("x-dev-fail: hang ends when the client aborts, and the server stays up", async () => {
    // That hang never answers on its own is shown on fake time in
    // control-headers.test.ts; here, that an abort over a real socket ends it.
    const before = await received(upstream.url);
    const controller = new AbortController();
    const pending = post({ "x-dev-fail": "hang" }, chat(), controller.signal);
    await until(async () => (await received(upstream.url)) > before); // the server holds the request
    expect(await settled(pending)).toBe(false);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect((await post({}, chat())).status).toBe(200);
  });

  // A close() that waited for the hung request would never return: the
  // test's timeout is the deadline.
  it("close() does not wait for hung requests", { timeout: 10_000 }, async () => {
    const extra = await startDevUpstream({ port: 0, models: ["m"] });
    const hung = fetch(`${extra.url}/chat/completions`, {
      method: "POST",
      headers: { "x-dev-fail": "hang" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
    });
    hung.catch(() => {});
    await until(async () => (await received(extra.url)) === 1); // the server holds the request
    await extra.close();
    await expect(hung).rejects.toThrow();
  });
});

describe("manifest loading", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "dev-upstream-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("falls back to the demo adapters when the folder is missing", async () => {
    const loaded = await loadManifestModels(path.join(dir, "absent"));
    expect(loaded.models).toContain("acme-support-v1");
    expect(loaded.models).toHaveLength(7);
    expect(loaded.baseModels).toEqual(["meta-llama/Llama-3.1-8B-Instruct"]);
  });

  it("serves every served_name and base_model of adapters/*.json, skipping broken files", async () => {
    const adapters = [
      { name: "support", version: "v1", upstream: "vllm", base_model: "base-a", served_name: "t1-support-v1" },
      { name: "support", version: "v2", upstream: "vllm", base_model: "base-a", served_name: "t1-support-v2" },
    ];
    await writeFile(path.join(dir, "t1.json"), JSON.stringify({ adapters }));
    await writeFile(
      path.join(dir, "t2.json"),
      JSON.stringify({ adapters: [{ served_name: "t2-x", base_model: "base-b" }] }),
    );
    await writeFile(path.join(dir, "broken.json"), "{");
    await writeFile(path.join(dir, "notes.txt"), "ignored");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const loaded = await loadManifestModels(dir);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("skipping broken.json"));
    expect(loaded.models.sort()).toEqual(["t1-support-v1", "t1-support-v2", "t2-x"]);
    expect(loaded.baseModels.sort()).toEqual(["base-a", "base-b"]);

    const upstream = await startDevUpstream({ port: 0, adaptersDir: dir });
    try {
      const list = await (await fetch(`${upstream.url}/models`)).json();
      const t2 = list.data.find((m: { id: string }) => m.id === "t2-x");
      expect(t2.parent).toBe("base-b");
    } finally {
      await upstream.close();
      warn.mockRestore();
    }
  });
});
