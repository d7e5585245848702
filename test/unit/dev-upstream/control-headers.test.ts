// The dev upstream's x-dev-* control headers, in process: injected failures,
// fail-count per key, cut and hang, latency (asserted by ordering, not by
// wall-clock bounds, or on fake timers), and the request counters.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDevUpstream } from "../../../scripts/dev-upstream/app";
import { settled } from "../helpers/settled";

const newApp = () =>
  createDevUpstream({ models: ["acme-support-v1"], baseModels: ["meta-llama/Llama-3.1-8B-Instruct"] });
type App = ReturnType<typeof newApp>;
const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "acme-support-v1", messages: [{ role: "user", content: "hello" }], ...extra });

async function post(
  app: App,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
  signal?: AbortSignal,
) {
  const req = new Request("http://dev/v1/chat/completions", { method: "POST", body: body(extra), headers, signal });
  return app.request(req);
}
afterEach(() => vi.useRealTimers());

/** Reads a body chunk by chunk until it ends or errors; reports which. */
async function drain(res: Response): Promise<{ text: string; error?: unknown }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

describe("x-dev-fail: status failures", () => {
  it.each([
    ["500", 500, "InternalServerError"],
    ["503", 503, "ServiceUnavailableError"],
    ["429", 429, "RateLimitError"],
  ])("x-dev-fail: %s answers %i %s in vLLM's shape", async (fail, status, type) => {
    const res = await post(newApp(), { "x-dev-fail": fail });
    expect(res.status).toBe(status);
    expect(res.headers.get("retry-after")).toBe(status === 429 ? "1" : null);
    const { error } = await res.json();
    expect(error).toMatchObject({ type, code: status, param: null });
  });

  it("x-dev-fail: bad-lora answers a known model like an unknown one", async () => {
    const res = await post(newApp(), { "x-dev-fail": "bad-lora" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        message: "The model `acme-support-v1` does not exist.",
        type: "NotFoundError",
        param: "model",
        code: 404,
      },
    });
  });

  it("rejects an unknown x-dev-fail value and a bad delay, so typos in tests show", async () => {
    expect((await post(newApp(), { "x-dev-fail": "501" })).status).toBe(400);
    expect((await post(newApp(), { "x-dev-token-ms": "soon" })).status).toBe(400);
  });
});

describe("x-dev-fail-count", () => {
  it("fails only the first K requests of a key, then answers normally", async () => {
    const app = newApp();
    const fail = (key: string) => ({ "x-dev-fail": "503", "x-dev-fail-count": "2", "x-dev-fail-key": key });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(app, fail("a"))).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect((await post(app, fail("b"))).status).toBe(503);
    await app.request("/_dev/reset", { method: "POST" });
    expect((await post(app, fail("a"))).status).toBe(503);
  });
});

describe("request counters", () => {
  it("counts chat requests by model, including failed ones, until reset", async () => {
    const app = newApp();
    await post(app);
    await post(app, { "x-dev-fail": "500" });
    await app.request("/v1/chat/completions", { method: "POST", body: body({ model: "other" }) });
    expect(await (await app.request("/_dev/stats")).json()).toEqual({
      requests: 3,
      byModel: { "acme-support-v1": 2, other: 1 },
    });
    expect((await app.request("/_dev/reset", { method: "POST" })).status).toBe(200);
    expect(await (await app.request("/_dev/stats")).json()).toEqual({ requests: 0, byModel: {} });
  });
});

describe("x-dev-fail: cut", () => {
  it("streams the role chunk and 3 tokens, then errors the stream without [DONE]", async () => {
    const res = await post(newApp(), { "x-dev-fail": "cut", "x-dev-echo": "1" }, { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-dev-echo")).toBeTruthy();
    const { text, error } = await drain(res);
    expect(error).toBeInstanceOf(Error);
    const events = text.trimEnd().split("\n\n");
    expect(events).toHaveLength(4);
    expect(text).not.toContain("[DONE]");
    expect(text).not.toContain('finish_reason":"');
  });

  it("sends a partial JSON body for non-stream, then errors it", async () => {
    const res = await post(newApp(), { "x-dev-fail": "cut" });
    expect(res.status).toBe(200);
    const { text, error } = await drain(res);
    expect(error).toBeInstanceOf(Error);
    expect(text.startsWith('{"id":"chatcmpl-dev-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe("x-dev-fail: hang", () => {
  it.each([false, true])("never answers until the request is aborted (stream: %s)", async (stream) => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const pending = post(newApp(), { "x-dev-fail": "hang" }, { stream }, controller.signal);
    await vi.advanceTimersByTimeAsync(60 * 60_000); // an hour passes, and every timer in it runs
    expect(await settled(pending)).toBe(false);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("latency headers", () => {
  it("x-dev-first-token-ms delays a non-stream answer", async () => {
    const app = newApp();
    const order: string[] = [];
    await Promise.all([
      post(app, { "x-dev-first-token-ms": "150" }).then(() => order.push("slow")),
      post(app).then(() => order.push("fast")),
    ]);
    expect(order).toEqual(["fast", "slow"]);
  });

  it("x-dev-token-ms adds per-token time to a non-stream answer", async () => {
    const app = newApp();
    const order: string[] = [];
    // 10 tokens × 40 ms = 400 ms, well after the flat 100 ms.
    await Promise.all([
      post(app, { "x-dev-token-ms": "40" }).then(() => order.push("per-token")),
      post(app, { "x-dev-first-token-ms": "100" }).then(() => order.push("flat")),
    ]);
    expect(order).toEqual(["flat", "per-token"]);
  });

  it("stream: headers come at once, the first token after x-dev-first-token-ms", async () => {
    vi.useFakeTimers();
    const headers = post(newApp(), { "x-dev-first-token-ms": "150" }, { stream: true });
    expect(await settled(headers)).toBe(true);
    const reader = (await headers).body!.getReader();
    const first = reader.read();
    await vi.advanceTimersByTimeAsync(149);
    expect(await settled(first)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(first)).toBe(true);
    const chunk = new TextDecoder().decode((await first).value);
    expect(chunk).toContain('"role":"assistant"');
    await reader.cancel();
  });

  it("stream: one token per read, spaced by x-dev-token-ms", async () => {
    vi.useFakeTimers();
    const res = await post(newApp(), { "x-dev-token-ms": "150" }, { stream: true });
    const reader = res.body!.getReader();
    const decode = (v?: Uint8Array) => new TextDecoder().decode(v);
    expect(decode((await reader.read()).value)).toContain('"role":"assistant"');
    expect(decode((await reader.read()).value)).toContain('"content":"[adapter "');
    const second = reader.read();
    await vi.advanceTimersByTimeAsync(149);
    expect(await settled(second)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(second)).toBe(true);
    expect(decode((await second).value)).toContain('"content":"acme-support-v1] "');
    await reader.cancel();
  });

  it("stream: a client abort mid-stream ends the body quietly", async () => {
    const controller = new AbortController();
    const res = await post(newApp(), { "x-dev-token-ms": "200" }, { stream: true }, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    const next = reader.read();
    controller.abort();
    expect((await next).done).toBe(true);
  });
});
