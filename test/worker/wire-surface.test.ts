// The OpenAI/vLLM request surface: n > 1 (returned, logged, rated per choice,
// exported per rated choice), more than four stop strings, the function and
// ipython roles, refusal-only assistant turns, allowed_tools and custom tools
// — each accepted where the target's dialect takes it, a 400 naming the field
// and dialect where the primary cannot, and a fallback that cannot skipped.
import { env } from "cloudflare:workers";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { storeApiKey } from "../../src/auth/api-keys";
import { call, chat, gatewayRegistry, readSSE, waitForInteraction } from "./helpers/gateway";
import { applyTestManifest, testcoManifest } from "./helpers/seed";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

const tenant = `wire-${crypto.randomUUID().slice(0, 8)}`;
const key = `sk-${tenant}-test`;
const opts = { key };

beforeAll(async () => {
  const m = testcoManifest();
  const base = m.upstreams.find((u) => u.id === "ok")!;
  m.upstreams.push({ ...base, id: "openai", dialect: "openai" }, { ...base, id: "tgi", dialect: "tgi" });
  m.upstreams.push({ ...base, id: "openai500", dialect: "openai", headers: { "x-dev-fail": "500" } });
  const like = m.adapters.find((a) => a.version === "ok-v1")!;
  m.adapters.push(
    { ...like, version: "openai-v1", upstream: "openai" },
    { ...like, version: "tgi-v1", upstream: "tgi" },
    { ...like, version: "openai500-v1", upstream: "openai500" },
  );
  const task = (name: string, target: string, fallback?: string[]) => ({
    name,
    allow_pinning: true,
    rules: [{ id: `${name}-rule`, target, ...(fallback ? { fallback } : {}) }],
  });
  m.tasks.push(
    task("openai", "openai-v1"),
    task("tgi", "tgi-v1"),
    // The primary fails; the tgi fallback cannot take n = 2 and is skipped; vllm answers.
    task("skip", "openai500-v1", ["tgi-v1", "ok-v1"]),
  );
  await applyTestManifest({ ...m, tenant });
  await storeApiKey(env.DB, tenant, key, "wire test", Date.now());
  await gatewayRegistry().reload(env.DB);
});

describe("n > 1", () => {
  it("returns and logs every choice of a non-streamed request", async () => {
    const client = new OpenAI({
      apiKey: key,
      baseURL: "http://gateway.test/v1",
      fetch: async (input, init) =>
        (await call(new URL(String(input)).pathname, JSON.parse(String(init?.body)), opts)).response,
      maxRetries: 0,
    });
    const completion = await client.chat.completions.create({
      model: "ok",
      n: 3,
      messages: [{ role: "user", content: "three please" }],
    });
    expect(completion.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(completion.choices[1].message.content).toMatch(/ #1$/);
    const row = await waitForInteraction(completion.id);
    const choices = JSON.parse(String(row.response_choices)) as { index: number; text: string }[];
    expect(choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(choices[2].text).toMatch(/ #2$/);
    expect(row.response_text).toBe(completion.choices[0].message.content);
  });

  it("streams every choice and logs each one's text", async () => {
    const { response, settled } = await chat({ model: "ok", n: 2, stream: true }, opts);
    const { events, done } = await readSSE(response);
    expect(done).toBe(true);
    const texts = ["", ""];
    for (const e of events) for (const c of e.choices) texts[c.index] += c.delta?.content ?? "";
    expect(texts[1]).toBe(`${texts[0]} #1`);
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    const logged = JSON.parse(String(row.response_choices)) as { index: number; text: string }[];
    expect(logged.map((c) => c.text)).toEqual(texts);
  });

  it("takes feedback per choice and exports the rated choice's answer", async () => {
    const { response, settled } = await chat(
      { model: "ok", n: 2, messages: [{ role: "user", content: "pick one" }] },
      opts,
    );
    const id = (await response.json<{ id: string }>()).id;
    await settled();
    await waitForInteraction(id);
    for (const [choice, rating] of [
      [0, -1],
      [1, 1],
    ]) {
      const posted = await call("/v1/feedback", { request_id: id, choice, rating, user: "rater" }, opts);
      expect(posted.response.status).toBe(200);
      expect((await posted.response.json<{ choice: number }>()).choice).toBe(choice);
    }
    const detail = await (
      await call(`/v1/interactions/${id}`, undefined, opts)
    ).response.json<{
      feedback: { choice: number; rating: number }[];
    }>();
    expect(detail.feedback.map((f) => [f.choice, f.rating]).sort()).toEqual([
      [0, -1],
      [1, 1],
    ]);
    const { response: exported } = await call("/v1/exports/training-data?format=trl-kto&task=ok", undefined, opts);
    const lines = (await exported.text())
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { completion?: { content: string }[]; label?: boolean });
    const mine = lines.filter((l) => l.completion?.[0]?.content.includes("pick one"));
    expect(mine.map((l) => [l.label, l.completion![0].content.endsWith(" #1")]).sort()).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  it("refuses n above the gateway's bound and a choice out of range", async () => {
    const { response } = await chat({ model: "ok", n: 17 }, opts);
    expect(response.status).toBe(400);
    expect((await response.json<ErrorBody>()).error.param).toBe("n");
    const rated = await call("/v1/feedback", { request_id: "chatcmpl-00000000", choice: 16, rating: 1 }, opts);
    expect(rated.response.status).toBe(400);
    expect((await rated.response.json<ErrorBody>()).error.param).toBe("choice");
  });
});

describe("fields by dialect", () => {
  const dryRun = { ...opts, headers: { "x-switchyard-dry-run": "1" } };
  const stops = (n: number) => Array.from({ length: n }, (_, i) => `STOP${i}`);
  const cases: [string, Record<string, unknown>, string, string][] = [
    // [what, body fields, a task whose dialect takes it, one whose dialect does not → param]
    ["n: 2", { n: 2 }, "ok", "tgi"],
    ["six stop strings", { stop: stops(6) }, "ok", "openai"],
    [
      "the function role",
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "function", name: "f", content: "42" },
        ],
      },
      "openai",
      "tgi",
    ],
    ["the ipython role", { messages: [{ role: "ipython", content: "42" }] }, "ok", "openai"],
    [
      "a refusal-only assistant turn",
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", refusal: "I can't help with that." },
          { role: "user", content: "ok" },
        ],
      },
      "ok",
      "lorax",
    ],
    [
      "tool_choice allowed_tools",
      {
        tools: [{ type: "function", function: { name: "f" } }],
        tool_choice: {
          type: "allowed_tools",
          allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "f" } }] },
        },
      },
      "openai",
      "ok",
    ],
    ["a custom tool", { tools: [{ type: "custom", custom: { name: "grep" } }] }, "openai", "ok"],
  ];

  it.each(cases)("%s: accepted where the dialect takes it", async (_, fields, takes) => {
    const { response } = await chat({ model: takes, ...fields }, dryRun);
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it.each(cases)("%s: a 400 naming the field and the dialect where it does not", async (_, fields, _takes, refuses) => {
    const { response } = await chat({ model: refuses, ...fields }, dryRun);
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error.code).toBe("unsupported_by_upstream");
    expect(error.param).toBeTruthy();
    expect(error.message).toMatch(/dialect '(tgi|openai|lorax|vllm)'/);
  });

  it("refuses more stop strings than the gateway takes, naming the limit", async () => {
    const { response } = await chat({ model: "ok", stop: stops(33) }, opts);
    expect(response.status).toBe(400);
    const { error } = await response.json<ErrorBody>();
    expect(error.param).toBe("stop");
    expect(error.message).toContain("at most 32");
  });

  it("skips a fallback whose dialect cannot take the request and records the skip", async () => {
    const { response, settled } = await chat({ model: "skip", n: 2 }, opts);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-adapter-version")).toBe("ok-v1");
    await response.text();
    await settled();
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    const attempts = JSON.parse(String(row.attempts)) as { version: string; outcome: string; message?: string }[];
    expect(attempts.map((a) => [a.version, a.outcome])).toEqual([
      ["tgi-v1", "skipped"],
      ["openai500-v1", "http_error"],
      ["ok-v1", "ok"],
    ]);
    expect(attempts[0].message).toContain("dialect 'tgi'");
  });
});
